#pragma once
// A suite measures one area of shared/BENCHMARKS.md against its baseline in the same run.
// Each lives in a file of its own (http_suite.cpp, ...) and is listed once in suites.cpp,
// in the order `pcn-bench all` runs them.
#include <charconv>
#include <filesystem>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bench/result.hpp"

namespace pcn::bench {

struct suite_option {
  std::string name;  // on the command line as --name VALUE
  std::string default_value;
  std::string help;
};

// A suite's options: its declared defaults, overridden by the command line.
class option_values {
 public:
  option_values(const std::vector<suite_option>& declared, const std::map<std::string, std::string>& given);

  const std::string& text(std::string_view name) const;
  // Throw std::invalid_argument naming the option when a value is not a number in [min, max].
  template <typename T>
  T number(std::string_view name, T min, T max) const {
    return parse_number(name, text(name), min, max);
  }
  std::vector<unsigned> numbers(std::string_view name, unsigned min, unsigned max) const;  // "1,64,256"

  template <typename T>
  static T parse_number(std::string_view option, std::string_view s, T min, T max) {
    T v{};
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || v < min || v > max)
      throw std::invalid_argument("--" + std::string(option) + " " + std::string(s) + ": expected a whole number from " +
                                  std::to_string(min) + " to " + std::to_string(max));
    return v;
  }

 private:
  std::map<std::string, std::string, std::less<>> _values;
};

struct run_context {
  unsigned rounds = 3;
  std::filesystem::path build_dir;  // where pcn-bench was built: bench/pcn-bench in it
};

struct suite {
  std::string name;
  std::string summary;
  std::vector<suite_option> options;
  std::function<suite_result(const run_context&, const option_values&)> run;
};

// Every suite, in the order `all` runs them.
const std::vector<suite>& all_suites();

}  // namespace pcn::bench
