#include "bench/report.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "bench/result.hpp"

namespace pcn::bench {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

std::string number(const json::value& v) { return v.is_number() ? format_number(v.to_number<double>()) : "-"; }

std::string text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_double()) return number(v);
  return "-";
}

const json::value& field(const json::object& o, std::string_view key) {
  static const json::value missing;
  auto it = o.find(key);
  return it == o.end() ? missing : it->value();
}

std::string cell(std::string s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

void suite_section(std::string& out, const json::object& doc) {
  out += fmt::format("`{}` suite: kernel {}, {} CPUs, median of {} rounds; ratio > 1 is better than the baseline.\n\n",
                     text(field(doc, "suite")), text(field(doc, "kernel")), text(field(doc, "cpus")), text(field(doc, "rounds")));
  out += "| figure | value | spread | unit | baseline | baseline value | baseline spread | ratio |\n";
  out += "| --- | ---: | ---: | --- | --- | ---: | ---: | ---: |\n";
  auto range = [](const json::value& v) {
    if (!v.is_array() || v.get_array().size() != 2) return std::string("-");
    return number(v.get_array()[0]) + " – " + number(v.get_array()[1]);
  };
  for (const auto& r : field(doc, "results").as_array()) {
    const json::object& o = r.as_object();
    const json::value& q = field(o, "ratio");
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", cell(text(field(o, "name"))), number(field(o, "value")),
                       range(field(o, "spread")), cell(text(field(o, "unit"))), cell(text(field(o, "baseline"))),
                       number(field(o, "baseline_value")), range(field(o, "baseline_spread")),
                       q.is_number() ? fmt::format("{:.3f}", q.to_number<double>()) : "-");
  }
  if (const json::value& notes = field(doc, "notes"); notes.is_array()) {
    out += "\n";
    for (const auto& n : notes.get_array()) out += "- " + cell(text(n)) + "\n";
  }
  out += "\n";
}

// Google Benchmark: the median aggregates when it ran repetitions, else every run.
void micro_section(std::string& out, const json::object& doc) {
  const json::object& context = field(doc, "context").as_object();
  const json::array& all = field(doc, "benchmarks").as_array();
  auto median = [](const json::value& b) { return text(field(b.as_object(), "aggregate_name")) == "median"; };
  auto first_median = std::find_if(all.begin(), all.end(), median);
  bool aggregated = first_median != all.end();
  out += fmt::format("Google Benchmark `{}`, {}: {} CPUs at {} MHz; {}.\n\n",
                     fs::path(text(field(context, "executable"))).filename().string(), text(field(context, "date")),
                     text(field(context, "num_cpus")), text(field(context, "mhz_per_cpu")),
                     aggregated ? "median of " + text(field(first_median->as_object(), "repetitions")) + " repetitions" : "one run each");
  out += "| benchmark | time | CPU time | unit | items/s |\n| --- | ---: | ---: | --- | ---: |\n";
  for (const auto& b : all) {
    const json::object& o = b.as_object();
    if (aggregated && !median(b)) continue;
    const json::value& items = field(o, "items_per_second");
    out += fmt::format("| {} | {} | {} | {} | {} |\n", cell(text(field(o, aggregated ? "run_name" : "name"))), number(field(o, "real_time")),
                       number(field(o, "cpu_time")), text(field(o, "time_unit")),
                       items.is_number() ? format_number(items.to_number<double>() / 1e6) + " M" : "-");
  }
  out += "\n";
}

void file_section(std::string& out, const fs::path& file) {
  std::ifstream in(file);
  std::stringstream content;
  content << in.rdbuf();
  if (!in) throw std::runtime_error("report: cannot read " + file.string());
  try {
    json::value doc = json::parse(content.str());
    out += "## " + file.filename().string() + "\n\n";
    if (doc.is_array()) {
      for (const auto& d : doc.get_array()) suite_section(out, d.as_object());
    } else if (doc.as_object().contains("suite")) {
      suite_section(out, doc.get_object());
    } else if (doc.as_object().contains("benchmarks")) {
      micro_section(out, doc.get_object());
    } else {
      throw std::runtime_error("neither a pcn-bench nor a Google Benchmark document");
    }
  } catch (const std::exception& e) {
    throw std::runtime_error("report: " + file.string() + ": " + e.what());
  }
}

}  // namespace

std::string results_markdown(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw std::runtime_error("report: " + dir.string() + " is not a directory");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  // Files are named <date>-<what>.json: newest first, and in name order within a date.
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    std::string x = a.filename().string(), y = b.filename().string();
    std::string dx = x.substr(0, 10), dy = y.substr(0, 10);
    return dx != dy ? dx > dy : x < y;
  });
  std::string out =
      "# Benchmark results\n\n"
      "Generated by `pcn-bench report` from the JSON files in this folder (newest first); do not edit by hand.\n"
      "A value is the median of the rounds and its spread the [min, max]; the baseline ran in the same rounds,\n"
      "interleaved with the measured one. See `bench/README.md` for what each suite measures.\n\n";
  for (const auto& f : files) file_section(out, f);
  return out;
}

}  // namespace pcn::bench
