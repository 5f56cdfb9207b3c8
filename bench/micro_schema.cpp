// What the schema layer costs a request, by step: resolving a REST path against a model,
// validating a typical PATCH body (the CLI's `set` of a few leaves and a port), parsing a
// 1 MB JSON body with simdjson into Boost.JSON, and validating that 1 MB list.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <string>
#include <vector>

#include "api/schema/context.hpp"
#include "api/schema/json_body.hpp"
#include "api/schema/path.hpp"
#include "api/schema/validate.hpp"
#include "micro_schema_yang.hpp"

namespace pcn::schema {
namespace {

const schema_context& models() {
  static const schema_context context(embedded::micro_schema());
  return context;
}

// What `polycubectl hw0 set loglevel=DEBUG action=FORWARD` and a port change send.
constexpr std::string_view patch_body =
    R"({"loglevel": "DEBUG", "action": "FORWARD", "ports": [{"name": "port1", "peer": "veth1"}, {"name": "port2", "peer": "br1:port2"}]})";

// simpleforwarder's actions table, about 1 MB of entries.
std::string big_body() {
  std::string body = "[";
  for (int i = 0; body.size() < (1 << 20); ++i)
    body += fmt::format(R"({}{{"inport": "port{}", "action": "{}", "outport": "port{}"}})", i ? "," : "", i,
                        i % 2 ? "FORWARD" : "DROP", i + 1);
  return body + "]";
}

void resolve_path(benchmark::State& state) {
  const service_schema& hw = *models().find("helloworld");
  const std::vector<std::string> segments{"ports", "port1", "peer"};
  for (auto _ : state) benchmark::DoNotOptimize(resolve(hw, "hw0", segments));
}
BENCHMARK(resolve_path);

void validate_patch(benchmark::State& state) {
  const resolved_path cube = resolve(*models().find("helloworld"), "hw0", {});
  const boost::json::value body = parse_json_body(patch_body, 1 << 20);
  for (auto _ : state) benchmark::DoNotOptimize(validate(cube, method::patch, body));
}
BENCHMARK(validate_patch);

void parse_1mb_body(benchmark::State& state) {
  const std::string body = big_body();
  for (auto _ : state) benchmark::DoNotOptimize(parse_json_body(body, 2 << 20));
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(body.size()));
}
BENCHMARK(parse_1mb_body)->Unit(benchmark::kMillisecond);

void validate_1mb_list(benchmark::State& state) {
  const std::vector<std::string> segments{"actions"};
  const resolved_path actions = resolve(*models().find("simpleforwarder"), "sf1", segments);
  const boost::json::value body = parse_json_body(big_body(), 2 << 20);
  for (auto _ : state) benchmark::DoNotOptimize(validate(actions, method::put, body));
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(body.as_array().size()));
}
BENCHMARK(validate_1mb_list)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pcn::schema
