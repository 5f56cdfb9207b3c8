#pragma once
// What a suite reports: figures sampled once per round beside a baseline sampled in the
// same rounds, each summarised as median and spread; the table a reader sees and the JSON
// document of shared/BENCHMARKS.md.
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pcn::bench {

enum class better { higher, lower };

struct figure {
  std::string name;  // "get_version/c64/throughput"
  std::string unit;  // "req/s", "ms", "Mpps"
  better direction = better::higher;
  std::vector<double> samples;           // one per round
  std::string baseline;                  // empty: none
  std::vector<double> baseline_samples;  // one per round, the same rounds
};

struct spread {
  double median, min, max;
};
// Throws std::invalid_argument for an empty sample.
spread summarize(std::vector<double> samples);

// Median over baseline median, oriented so that above 1 is better for the project;
// nullopt without a baseline.
std::optional<double> ratio(const figure& f);

struct suite_result {
  std::string suite;
  unsigned rounds = 0;
  std::vector<figure> figures;
  std::vector<std::string> notes;  // goals met or missed, warnings: shown with the figures
};

// The document of shared/BENCHMARKS.md for one suite (plus baseline_spread and notes).
boost::json::value to_json(const suite_result& r);
// JSON text for files kept in git: one result per line, numbers as a person writes them.
std::string format_json(const boost::json::value& v);

// The readable table, notes below it.
std::string format_table(const suite_result& r);
// A number with as many decimals as its magnitude deserves: "25120", "31.4", "0.042".
std::string format_number(double v);

// Host facts recorded with every result.
std::string kernel_release();
unsigned cpu_count();

}  // namespace pcn::bench
