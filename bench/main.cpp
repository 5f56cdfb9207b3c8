// pcn-bench: runs the benchmark suites of shared/BENCHMARKS.md, each against its baseline
// in the same run, prints a table and writes the JSON results; `report` turns a folder of
// results into RESULTS.md.
#include <unistd.h>

#include <boost/json/value.hpp>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <map>

#include "base/log.hpp"
#include "bench/process.hpp"
#include "bench/report.hpp"
#include "bench/suite.hpp"

namespace pcn::bench {
namespace {

namespace fs = std::filesystem;

std::string usage() {
  std::string out =
      "Usage: pcn-bench SUITE|all [--rounds N] [--json FILE] [--verbose] [suite options]\n"
      "       pcn-bench report [--results DIR] [--output FILE]\n"
      "       pcn-bench list\n\n"
      "Runs a suite (as root) against its baseline, interleaved, N rounds (default 3): prints the\n"
      "median and [min, max] of each figure and, with --json, writes them to FILE.\n"
      "`report` writes RESULTS.md (default DIR/RESULTS.md) from the JSON files in DIR\n"
      "(default bench/results).\n\nSuites:\n";
  for (const auto& s : all_suites()) {
    out += fmt::format("  {:<10} {}\n", s.name, s.summary);
    for (const auto& o : s.options)
      out += fmt::format("      --{:<16} {}{}\n", o.name, o.help, o.default_value.empty() ? "" : " (default " + o.default_value + ")");
  }
  return out;
}

// --name VALUE pairs after the command word; flags without a value are listed in `flags`.
std::map<std::string, std::string> parse_pairs(int argc, char** argv, const std::vector<std::string>& flags) {
  std::map<std::string, std::string> out;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (!arg.starts_with("--")) throw std::invalid_argument("unexpected argument '" + arg + "'");
    std::string name = arg.substr(2);
    std::string value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else if (std::find(flags.begin(), flags.end(), name) != flags.end()) {
      value = "1";
    } else {
      if (i + 1 >= argc) throw std::invalid_argument("--" + name + " needs a value");
      value = argv[++i];
    }
    out[name] = value;
  }
  return out;
}

std::string take(std::map<std::string, std::string>& m, const std::string& key, std::string fallback) {
  auto it = m.find(key);
  if (it == m.end()) return fallback;
  std::string v = it->second;
  m.erase(it);
  return v;
}

void write_file(const fs::path& file, const std::string& content) {
  if (file.has_parent_path()) fs::create_directories(file.parent_path());
  fs::path partial = file;
  partial += ".partial";
  std::ofstream out(partial);
  out << content;
  if (!out.flush()) throw std::runtime_error("cannot write " + partial.string());
  out.close();
  fs::rename(partial, file);
}

int report(int argc, char** argv) {
  auto args = parse_pairs(argc, argv, {});
  fs::path dir = take(args, "results", "bench/results");
  fs::path output = take(args, "output", (dir / "RESULTS.md").string());
  if (!args.empty()) throw std::invalid_argument("report: unknown option --" + args.begin()->first);
  write_file(output, results_markdown(dir));
  std::cout << "wrote " << output.string() << "\n";
  return 0;
}

int run_suites(int argc, char** argv) {
  std::string which = argv[1];
  std::vector<const suite*> chosen;
  for (const auto& s : all_suites())
    if (which == "all" || s.name == which) chosen.push_back(&s);
  if (chosen.empty()) throw std::invalid_argument("no suite named '" + which + "' (pcn-bench list shows them)");

  auto args = parse_pairs(argc, argv, {"verbose", "help"});
  if (args.contains("help")) {
    std::cout << usage();
    return 0;
  }
  if (take(args, "verbose", "") == "1") log::set_level(log::level::debug);
  fs::path json_file = take(args, "json", "");
  run_context ctx;
  ctx.rounds = option_values::parse_number<unsigned>("rounds", take(args, "rounds", "3"), 1, 1000);
  ctx.build_dir = fs::read_symlink("/proc/self/exe").parent_path().parent_path();
  for (const auto& [name, value] : args) {
    bool known = std::any_of(chosen.begin(), chosen.end(), [&](const suite* s) {
      return std::any_of(s->options.begin(), s->options.end(), [&](const suite_option& o) { return o.name == name; });
    });
    if (!known) throw std::invalid_argument("--" + name + " is not an option of " + which + " (pcn-bench --help lists them)");
  }
  if (::geteuid() != 0) throw std::runtime_error("pcn-bench runs as root: it pins CPUs and builds its own network topologies");

  catch_interruptions();
  boost::json::array documents;
  bool failed = false;
  for (const suite* s : chosen) {
    log::info("{}: {} rounds", s->name, ctx.rounds);
    try {
      suite_result r = s->run(ctx, option_values(s->options, args));
      std::cout << format_table(r) << std::flush;
      documents.push_back(to_json(r));
    } catch (const interrupted&) {
      throw;
    } catch (const std::exception& e) {
      log::error("{}: {}", s->name, e.what());
      failed = true;
    }
  }
  if (!json_file.empty() && !documents.empty()) {
    write_file(json_file, format_json(which == "all" ? boost::json::value(documents) : documents.front()));
    log::info("results written to {}", json_file.string());
  }
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace pcn::bench

int main(int argc, char** argv) {
  using namespace pcn::bench;
  try {
    std::string command = argc > 1 ? argv[1] : "--help";
    if (command == "--help" || command == "-h" || command == "help") {
      std::cout << usage();
      return argc > 1 ? 0 : 2;
    }
    if (command == "list") {
      for (const auto& s : all_suites()) std::cout << s.name << "\n";
      return 0;
    }
    if (command == "report") return report(argc, argv);
    return run_suites(argc, argv);
  } catch (const interrupted&) {
    pcn::log::error("pcn-bench: interrupted; every process it started is stopped");
    return 130;
  } catch (const std::exception& e) {
    pcn::log::error("pcn-bench: {}", e.what());
    return 1;
  }
}
