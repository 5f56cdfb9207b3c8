#include "cli/help.hpp"

#include <fmt/format.h>

#include <boost/json/object.hpp>

#include "cli/output.hpp"

namespace pcn::cli {
namespace {

namespace json = boost::json;

using rows = std::vector<std::vector<std::string>>;

std::string text(const json::value* v) { return v && v->is_string() ? std::string(v->get_string()) : std::string(); }
std::string member(const json::value& o, std::string_view name) {
  return o.is_object() ? text(o.get_object().if_contains(name)) : std::string();
}
bool flag(const json::value& o, std::string_view name) {
  const json::value* v = o.is_object() ? o.get_object().if_contains(name) : nullptr;
  return v && v->is_bool() && v->get_bool();
}
const json::array& array(const json::value& doc, std::string_view name) {
  static const json::array none;
  const json::value* v = doc.is_object() ? doc.get_object().if_contains(name) : nullptr;
  return v && v->is_array() ? v->get_array() : none;
}

bool is_leafy(const json::value& param) {
  std::string kind = member(param, "kind");
  return kind == "leaf" || kind == "leaf-list";
}
bool writable_leaf(const json::value& param) { return is_leafy(param) && flag(param, "config"); }

std::string command_description(std::string_view c) {
  if (c == "add") return "Add an entry to a list";
  if (c == "del") return "Delete an entry of a list";
  if (c == "set") return "Set a value";
  if (c == "show") return "Show an entry or a list [-normal | -brief | -verbose | -json | -yaml | -hide=keys]";
  return "";
}

std::vector<std::string> row(std::string keyword, std::string type, std::string description) {
  return {std::move(keyword), std::move(type), std::move(description)};
}

std::vector<std::string> param_row(const json::value& p, std::string keyword) {
  std::string description = member(p, "description");
  const json::value* d = p.get_object().if_contains("default");
  if (d && description.find("default") == std::string::npos)  // models often say it already
    description += fmt::format("{}default: {}{}", description.empty() ? "" : " (", scalar_text(*d), description.empty() ? "" : ")");
  return row(std::move(keyword), member(p, "type"), std::move(description));
}

// The table of keywords: a header, then rows set one space in, as the original printed it.
std::string keyword_table(const rows& body) {
  rows all{row("Keyword", "Type", "Description")};
  for (const auto& r : body) {
    std::vector<std::string> shifted;
    if (r.size() == 1) {  // a section title stays at the margin
      all.push_back(r);
      continue;
    }
    for (const auto& cell : r) shifted.push_back(cell.empty() ? cell : " " + cell);
    all.push_back(std::move(shifted));
  }
  return columns(all);
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += " " + w;
  return out;
}

// " <key1> <key2>": the keys of a list, as a command line names them.
std::string key_words(const json::value& doc) {
  std::string out;
  for (const auto& k : array(doc, "keys")) out += fmt::format(" <{}>", member(k, "name"));
  return out;
}

rows key_rows(const json::value& doc) {
  rows out;
  for (const auto& k : array(doc, "keys")) out.push_back(param_row(k, fmt::format("<{}>", member(k, "name"))));
  return out;
}

std::string add_help(const json::value& doc, const std::vector<std::string>& words) {
  rows main = key_rows(doc), others;
  std::string example = fmt::format("polycubectl{} add{}", joined(words), key_words(doc));
  for (const auto& p : array(doc, "params")) {
    if (!writable_leaf(p)) continue;
    if (flag(p, "mandatory")) {
      main.push_back(param_row(p, member(p, "name") + "=value"));
      example += fmt::format(" {}=<{}>", member(p, "name"), member(p, "type"));
    } else {
      others.push_back(param_row(p, member(p, "name") + "=value"));
    }
  }
  if (main.empty() && others.empty()) return "There is no help for this command\n";
  if (!others.empty()) {
    main.push_back({});
    main.push_back({"Other parameters:"});
    main.insert(main.end(), others.begin(), others.end());
  }
  return keyword_table(main) + "\nExample:\n " + example + "\n";
}

}  // namespace

std::string first_key(const json::value& document) {
  const json::array& keys = array(document, "keys");
  std::string name = keys.empty() ? std::string() : member(keys.front(), "name");
  return name.empty() ? "name" : name;
}

bool describes_list(const json::value& document) {
  std::string kind = member(document, "kind");
  return kind == "list" || kind == "service";
}

std::string help_text(const json::value& doc, command cmd, const std::vector<std::string>& words) {
  if (!doc.is_object()) return "There is no help for this command\n";
  const std::string kind = member(doc, "kind");
  rows body;
  switch (cmd) {
    case command::add:
      return add_help(doc, words);
    case command::set:
      for (const auto& p : array(doc, "params"))
        if (writable_leaf(p)) body.push_back(param_row(p, kind == "leaf" || kind == "leaf-list" ? "<value>" : member(p, "name") + "=value"));
      break;
    case command::del:
      body = key_rows(doc);
      if (body.empty()) return fmt::format("del deletes{}\n", joined(words));
      return fmt::format("{}\nExample:\n polycubectl{} del{}\n", keyword_table(body), joined(words), key_words(doc));
    case command::show:
      body = key_rows(doc);
      for (const auto& p : array(doc, "params")) body.push_back(param_row(p, member(p, "name")));
      break;
    case command::none: {
      for (const auto& c : array(doc, "commands"))
        if (c.is_string()) body.push_back(row(std::string(c.get_string()), "command", command_description(c.get_string())));
      rows keys = key_rows(doc);
      body.insert(body.end(), keys.begin(), keys.end());
      const bool action = kind == "action";
      for (const auto& p : array(doc, "params"))
        body.push_back(param_row(p, action ? member(p, "name") + "=value" : member(p, "name")));
      for (const auto& a : array(doc, "actions")) body.push_back(row(member(a, "name"), "action", member(a, "description")));
      std::string out;
      if (std::string d = member(doc, "description"); !d.empty()) out += d + "\n\n";
      if (body.empty()) return out + "There is no help for this command\n";
      out += keyword_table(body);
      if (std::string example = member(doc, "example"); !example.empty()) out += "\nExample:\n " + example + "\n";
      return out;
    }
  }
  if (body.empty()) return "There is no help for this command\n";
  return keyword_table(body);
}

std::string local_help(std::string_view topic, command cmd) {
  // The help of what no model describes. The services' help depends on the command.
  struct topic_help {
    std::string_view topic;
    command cmd;
    rows keywords;
    std::string_view example;  // "" for none
  };
  static const rows peers = {row("<peer1>", "cube:port or netdev", "Endpoint of the link (e.g. br1:port1)"),
                             row("<peer2>", "cube:port or netdev", "Other endpoint of the link (e.g. r1:port2 or veth1)")};
  static const rows service_name = {row("<name>", "string", "Name of the service")};
  static const topic_help topics[] = {
      {"connect", command::none, peers, "polycubectl connect br1:port1 r1:port2"},
      {"disconnect", command::none, peers, "polycubectl disconnect br1:port1 r1:port2"},
      {"attach", command::none,
       {row("<cube>", "cube", "Transparent cube to attach (e.g. fw1)"),
        row("<port>", "cube:port or netdev", "Port or netdev to attach it to (e.g. r1:port2 or eth0)"),
        row("position=value", "auto | first | last", "Where in the port's chain (default auto)"),
        row("before=value", "cube", "Place it before this cube"), row("after=value", "cube", "Place it after this cube")},
       "polycubectl attach fw1 r1:port2 position=first"},
      {"detach", command::none,
       {row("<cube>", "cube", "Transparent cube to detach (e.g. fw1)"),
        row("<port>", "cube:port or netdev", "Port or netdev it is attached to (e.g. r1:port2 or eth0)")},
       "polycubectl detach fw1 r1:port2"},
      {"services", command::none,
       {row("add", "command", "Load a service"), row("del", "command", "Unload a service"),
        row("show", "command", "Show the services and their cubes")},
       ""},
      {"services", command::add,
       {row("name=value", "string", "Name of the service"),
        row("uri=value", "string", "Path of the plugin (e.g. /usr/lib/libpcn-bridge.so)"),
        row("type=value", "lib | grpc", "How the service is loaded")},
       "polycubectl services add name=bridge uri=/usr/lib/libpcn-bridge.so type=lib"},
      {"services", command::del, service_name, "polycubectl services del bridge"},
      {"services", command::show, service_name, "polycubectl services show bridge"},
      {"cubes", command::none,
       {row("show", "command", "Show every cube, by service"),
        row("add", "command", "Create the cubes of a document on stdin (JSON or YAML)"),
        row("<cube>", "string", "Show one cube")},
       "polycubectl cubes add < mycubes.yaml"},
      {"topology", command::none,
       {row("show", "command", "Show the cubes, their ports and links"),
        row("<netdev>", "string", "Show a netdev's service chains")},
       "polycubectl topology show veth1"},
      {"netdevs", command::none,
       {row("show", "command", "Show the network devices"), row("<netdev>", "string", "Show one device")}, ""},
      {"version", command::none, {row("version", "command", "Show the versions of polycubectl and polycubed")}, ""},
  };
  const topic_help* found = nullptr;
  for (const auto& t : topics)
    if (t.topic == topic && (t.cmd == cmd || (!found && t.cmd == command::none))) found = &t;
  if (!found) return "There is no help for this command\n";
  std::string out = keyword_table(found->keywords);
  if (!found->example.empty()) out += fmt::format("\nExample:\n {}\n", found->example);
  return out;
}

std::string root_help(const json::value& cubes) {
  std::string out = "polycubectl [parent...] [command] [child] [key=value...]; for help on keywords use '?'\n\n";
  out += keyword_table({row("connect", "command", "Connect ports"), row("disconnect", "command", "Disconnect ports"), {},
                        row("attach", "command", "Attach transparent cubes"),
                        row("detach", "command", "Detach transparent cubes"), {},
                        row("services", "command", "Show/Add/Del services (e.g. bridge, router, ..)"),
                        row("cubes", "command", "Show running service instances (e.g. br1, nat2, ..)"),
                        row("topology", "command", "Show topology of service instances"),
                        row("netdevs", "command", "Show net devices available"),
                        row("version", "command", "Show the versions of polycubectl and polycubed")});
  rows running;
  if (cubes.is_object())
    for (const auto& [service, list] : cubes.get_object())
      for (const auto& name : entry_names(list, "name")) running.push_back({fmt::format(" {}", name), fmt::format(" {}", std::string_view(service))});
  if (!running.empty()) {
    running.insert(running.begin(), {"Running cubes", "Service"});
    out += '\n';
    out += columns(running);
  }
  return out;
}

std::string usage() {
  return R"(usage: polycubectl [parent...] [command] [child] [key=value...] [?]

  add -> POST (create)   del -> DELETE   show -> GET   set -> PATCH   '?' -> help
  no command: a YANG action (POST), e.g. polycubectl fw1 chain INGRESS append action=DROP
  list keys are positional: polycubectl r1 route add 10.0.3.0/24 10.1.0.2
  nested keys: a.b=x sends {"a": {"b": "x"}}
  add, set and actions without key=value read a JSON or YAML body from stdin:
    polycubectl helloworld add hw0 < hw0.yaml

framework commands:
  connect <peer1> <peer2>      disconnect <peer1> <peer2>
  attach <cube> <port> [position=auto|first|last | before=<cube> | after=<cube>]
  detach <cube> <port>         topology [show] [netdev]      version
  cubes [show]                 services [show|add|del]       netdevs [show]
  del <cube>                   (the service is looked up)
  capture <cube:port | netdev> [-w FILE | -w -] [-c COUNT] [-s SNAPLEN] [-Q in|out|inout]
          [-t TYPE] [filter expression...]   tcpdump-like, through a packetcapture cube of its own

show flags: -normal -brief -verbose -json -yaml -hide=key,key.subkey

environment:
  POLYCUBECTL_URL      http://host:port/polycube/v1/ or unix:///path/to/socket
                       (default http://localhost:9000/polycube/v1/, then
                       unix:///run/polycube/polycubed.sock if nothing listens there)
  POLYCUBECTL_TIMEOUT  seconds to wait for the daemon (default 30)

exit status: 0 done, 1 polycubed unreachable, 2 polycubed refused, 3 bad command line or input
)";
}

std::vector<std::string> completions(const json::value& doc, command cmd, std::string_view current,
                                     const std::vector<std::string>& entries) {
  std::vector<std::string> out;
  if (doc.is_array()) {
    for (const auto& c : doc.get_array())
      if (c.is_string()) out.emplace_back(c.get_string());
    return out;
  }
  if (!doc.is_object()) return out;
  const std::string kind = member(doc, "kind");
  const bool list = describes_list(doc);

  if (size_t eq = current.find('='); eq != std::string_view::npos) {
    std::string name(current.substr(0, eq));
    for (const auto& p : array(doc, "params")) {
      if (member(p, "name") != name) continue;
      for (const auto& e : array(p, "enum"))
        if (e.is_string()) out.push_back(name + "=" + std::string(e.get_string()));
      if (member(p, "base") == "boolean") out.insert(out.end(), {name + "=true", name + "=false"});
    }
    return out;
  }

  auto names_of_params = [&](bool (*keep)(const json::value&), std::string_view suffix) {
    for (const auto& p : array(doc, "params"))
      if (keep(p)) out.push_back(member(p, "name") + std::string(suffix));
  };
  switch (cmd) {
    case command::none:
      if (kind == "action") {
        names_of_params([](const json::value&) { return true; }, "=");
        break;
      }
      for (const auto& c : array(doc, "commands"))
        if (c.is_string()) out.emplace_back(c.get_string());
      for (const auto& a : array(doc, "actions")) out.push_back(member(a, "name"));
      if (list) out.insert(out.end(), entries.begin(), entries.end());
      names_of_params([](const json::value&) { return true; }, "");
      break;
    case command::add:
      if (!list) names_of_params(writable_leaf, "=");
      break;
    case command::set:
      if (kind == "leaf" || kind == "leaf-list") {
        for (const auto& p : array(doc, "params"))
          for (const auto& e : array(p, "enum"))
            if (e.is_string()) out.emplace_back(e.get_string());
      } else {
        names_of_params(writable_leaf, "=");
      }
      break;
    case command::show:
    case command::del:
      if (list) {
        out = entries;
      } else if (cmd == command::show) {
        names_of_params([](const json::value&) { return true; }, "");
      }
      break;
  }
  return out;
}

std::vector<std::string> entry_names(const json::value& list, std::string_view key) {
  std::vector<std::string> out;
  if (!list.is_array()) return out;
  for (const auto& entry : list.get_array())
    if (const json::value* v = entry.is_object() ? entry.get_object().if_contains(key) : nullptr) out.push_back(scalar_text(*v));
  return out;
}

std::vector<std::string> listed_names(const json::value& listing) {
  if (listing.is_array()) return entry_names(listing, "name");
  std::vector<std::string> out;
  if (!listing.is_object()) return out;
  for (const auto& [key, value] : listing.get_object()) {
    if (!value.is_array()) {
      out.emplace_back(key);
      continue;
    }
    auto names = entry_names(value, "name");
    out.insert(out.end(), names.begin(), names.end());
  }
  return out;
}

}  // namespace pcn::cli
