#include "cli/complete.hpp"

#include "cli/args.hpp"
#include "cli/help.hpp"
#include "cli/plan.hpp"

namespace pcn::cli {
namespace {

namespace json = boost::json;

json::value get_json(http_client& client, const std::string& target) {
  http_response res = client.send("GET", target);
  return res.ok() ? res.json() : json::value(nullptr);
}

// The names GET <listing> answers (cubes/, services/, netdevs/), after `out`.
void append_listed(std::vector<std::string>& out, http_client& client, const std::string& listing) {
  std::vector<std::string> names = listed_names(get_json(client, listing));
  out.insert(out.end(), names.begin(), names.end());
}

std::vector<std::string> framework_candidates(http_client& client, const command_line& line, std::string_view current) {
  const std::string& first = line.path.front();
  if (is_wiring_command(first)) {
    if (line.path.size() >= 3 && first == "attach")
      return {"position=auto", "position=first", "position=last", "before=", "after="};
    if (line.path.size() >= 3) return {};
    if (size_t colon = current.find(':'); colon != std::string_view::npos) {
      std::string cube(current.substr(0, colon));
      std::vector<std::string> out;
      for (const auto& port : entry_names(get_json(client, url_segment(cube) + "/ports/"), "name"))
        out.push_back(cube + ":" + port);
      return out;
    }
    std::vector<std::string> cubes = listed_names(get_json(client, "cubes/"));
    if (first == "attach" && line.path.size() == 1) return cubes;  // the transparent cube
    std::vector<std::string> out;
    append_listed(out, client, "netdevs/");
    for (const auto& cube : cubes) out.push_back(cube + ":");
    return out;
  }
  std::vector<std::string> out;
  if (line.cmd == command::none && line.path.size() == 1) out = {"show"};
  if (first == "topology" || first == "netdevs") {
    append_listed(out, client, "netdevs/");
  } else if (first == "cubes") {
    if (line.cmd == command::none) out.push_back("add");
    append_listed(out, client, "cubes/");
  } else if (first == "services") {
    if (line.cmd == command::none) out.insert(out.end(), {"add", "del"});
    if (line.cmd != command::add) append_listed(out, client, "services/");
  }
  return out;
}

std::vector<std::string> candidates(http_client& client, const command_line& line, std::string_view current) {
  if (line.path.empty()) {
    std::vector<std::string> out;
    if (line.cmd == command::none)
      out = {"connect", "disconnect", "attach", "detach", "services", "cubes", "topology", "netdevs", "version",
             "add", "del", "show"};
    if (line.cmd != command::del) append_listed(out, client, "services/");
    if (line.cmd != command::add) append_listed(out, client, "cubes/");
    return out;
  }
  if (is_wiring_command(line.path.front()) || line.path.front() == "topology" || line.path.front() == "netdevs" ||
      line.path.front() == "cubes" || line.path.front() == "services")
    return framework_candidates(client, line, current);

  http_response res = client.send("OPTIONS", help_target(line.path, line.cmd, true));
  if (!res.ok()) return {};
  json::value doc = res.json();
  std::vector<std::string> entries;
  if (describes_list(doc) && line.cmd != command::add)
    entries = entry_names(get_json(client, url_path(line.path)), first_key(doc));
  return completions(doc, line.cmd, current, entries);
}

}  // namespace

std::vector<std::string> completion_candidates(http_client& client, std::span<const std::string> words) {
  std::string current = words.empty() ? std::string() : words.back();
  std::vector<std::string> before(words.begin(), words.empty() ? words.end() : words.end() - 1);
  return candidates(client, parse_args(before), current);
}

}  // namespace pcn::cli
