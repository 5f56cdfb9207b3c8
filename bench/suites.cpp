#include "bench/suite.hpp"

namespace pcn::bench {

// One line per suite here, and the suite's own file in CMakeLists.txt.
suite http_suite();
suite fastpath_suite();
suite control_suite();
suite slowpath_suite();
suite l2l3_suite();

const std::vector<suite>& all_suites() {
  static const std::vector<suite> suites{http_suite(), fastpath_suite(), control_suite(), slowpath_suite(), l2l3_suite()};
  return suites;
}

option_values::option_values(const std::vector<suite_option>& declared, const std::map<std::string, std::string>& given) {
  for (const auto& o : declared) {
    auto it = given.find(o.name);
    _values.emplace(o.name, it == given.end() ? o.default_value : it->second);
  }
}

const std::string& option_values::text(std::string_view name) const {
  auto it = _values.find(name);
  if (it == _values.end()) throw std::logic_error("option --" + std::string(name) + " is not declared by this suite");
  return it->second;
}

std::vector<unsigned> option_values::numbers(std::string_view name, unsigned min, unsigned max) const {
  std::vector<unsigned> out;
  std::string_view rest = text(name);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    out.push_back(parse_number<unsigned>(name, rest.substr(0, comma), min, max));
    rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
  }
  if (out.empty()) throw std::invalid_argument("--" + std::string(name) + ": expected a comma-separated list of numbers");
  return out;
}

}  // namespace pcn::bench
