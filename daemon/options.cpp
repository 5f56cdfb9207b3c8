#include "daemon/options.hpp"

#include <charconv>
#include <fstream>
#include <map>
#include <stdexcept>
#include <thread>

namespace pcn::daemon {
namespace {

struct option_spec {
  const char* long_name;
  char short_name;  // 0: none
  bool takes_value;
  const char* help;
};

constexpr option_spec specs[] = {
    {"addr", 'a', true, "address to listen on (default localhost)"},
    {"port", 'p', true, "TCP port of the REST API (default 9000)"},
    {"unix-socket", 0, true, "unix socket of the REST API (default /run/polycube/polycubed.sock; '' for none)"},
    {"cores", 0, true, "number of reactor shards, one per core (default 1)"},
    {"loglevel", 'l', true, "TRACE, DEBUG, INFO, WARN, ERR, CRITICAL or OFF (default INFO)"},
    {"logfile", 0, true, "log to this file instead of stderr"},
    {"max-body-size", 0, true, "largest request body accepted, in bytes (default 67108864)"},
    {"config-file", 0, true, "read options from this file of 'key: value' lines"},
    {"cubes-dump-file", 0, true, "save the configuration here and restore it at start (default /etc/polycube/cubes.yaml; '' for none)"},
    {"cubes-dump-clean-init", 0, false, "start empty: clear the saved configuration and the data plane"},
    {"config", 0, true, "appliance mode: boot the topology of this YAML or JSON file (all or nothing); embedded:default for the built-in one"},
    {"bpf-pin-root", 0, true, "where the data plane pins its programs and maps (default /sys/fs/bpf/polycube)"},
    {"injection-device", 0, true, "name of the slow path's injection veth pair (default pcninj: pcninjt, pcninjr)"},
    {"slowpath-busy-poll", 0, true, "microseconds to keep polling a slow-path socket that ran dry before sleeping (default 0)"},
    {"clean-dataplane-on-exit", 0, false, "remove the data plane on exit instead of leaving it forwarding"},
    {"help", 'h', false, "show this help"},
    {"version", 'v', false, "show the version"},
};

const option_spec* find_long(std::string_view name) {
  for (const auto& s : specs)
    if (name == s.long_name) return &s;
  return nullptr;
}

const option_spec* find_short(char c) {
  for (const auto& s : specs)
    if (s.short_name == c) return &s;
  return nullptr;
}

template <typename Int>
Int parse_number(std::string_view option, std::string_view text, Int min, Int max) {
  Int value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max)
    throw std::invalid_argument("--" + std::string(option) + ": '" + std::string(text) + "' is not a number between " +
                                std::to_string(min) + " and " + std::to_string(max));
  return value;
}

void apply(options& o, std::string_view name, const std::string& value) {
  if (name == "addr") {
    if (value.empty()) throw std::invalid_argument("--addr: empty address");
    o.address = value;
  } else if (name == "port") {
    o.port = parse_number<uint16_t>(name, value, 1, 65535);
  } else if (name == "unix-socket") {
    o.unix_socket = value;
  } else if (name == "cores") {
    unsigned available = std::max(1u, std::thread::hardware_concurrency());
    o.cores = parse_number<unsigned>(name, value, 1, available);
  } else if (name == "loglevel") {
    auto l = log::parse_level(value);
    if (!l) throw std::invalid_argument("--loglevel: '" + value + "' is not one of TRACE DEBUG INFO WARN ERR CRITICAL OFF");
    o.loglevel = *l;
  } else if (name == "logfile") {
    o.logfile = value;
  } else if (name == "max-body-size") {
    o.max_body_bytes = parse_number<size_t>(name, value, 1024, size_t{1} << 32);
  } else if (name == "cubes-dump-file") {
    o.cubes_dump_file = value;
  } else if (name == "cubes-dump-clean-init") {
    o.cubes_dump_clean_init = value.empty() || value == "true";
  } else if (name == "config") {
    if (value.empty()) throw std::invalid_argument("--config: empty file name");
    o.topology_file = value;
  } else if (name == "bpf-pin-root") {
    if (!value.starts_with("/")) throw std::invalid_argument("--bpf-pin-root: '" + value + "' is not an absolute path");
    o.bpf_pin_root = value;
  } else if (name == "injection-device") {
    if (value.empty() || value.size() > 13) throw std::invalid_argument("--injection-device: '" + value + "' must be 1 to 13 characters");
    o.injection_device = value;
  } else if (name == "slowpath-busy-poll") {
    o.slowpath_busy_poll_us = parse_number<unsigned>(name, value, 0, 1'000'000);
  } else if (name == "clean-dataplane-on-exit") {
    o.clean_dataplane_on_exit = value.empty() || value == "true";
  } else if (name == "help") {
    o.show_help = true;
  } else if (name == "version") {
    o.show_version = true;
  }
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  std::string out(s.substr(b, e - b + 1));
  if (out.size() >= 2 && (out.front() == '"' || out.front() == '\'') && out.back() == out.front()) out = out.substr(1, out.size() - 2);
  return out;
}

std::map<std::string, std::string> read_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("--config-file: cannot read " + path);
  std::map<std::string, std::string> values;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::string content = trim(line.substr(0, line.find('#')));
    if (content.empty()) continue;
    size_t colon = content.find(':');
    if (colon == std::string::npos) throw std::invalid_argument(path + ":" + std::to_string(number) + ": expected 'key: value'");
    std::string key = trim(content.substr(0, colon));
    const option_spec* spec = find_long(key);
    if (!spec || key == "config-file")
      throw std::invalid_argument(path + ":" + std::to_string(number) + ": unknown option '" + key + "'");
    values[key] = trim(content.substr(colon + 1));
  }
  return values;
}

}  // namespace

options parse_options(int argc, const char* const argv[]) {
  std::vector<std::pair<std::string, std::string>> given;  // in order, from the command line
  std::string config_file;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    const option_spec* spec = nullptr;
    std::optional<std::string> inline_value;
    if (arg.starts_with("--")) {
      std::string_view name = arg.substr(2);
      if (size_t eq = name.find('='); eq != std::string_view::npos) {
        inline_value = std::string(name.substr(eq + 1));
        name = name.substr(0, eq);
      }
      spec = find_long(name);
    } else if (arg.size() == 2 && arg[0] == '-') {
      spec = find_short(arg[1]);
    }
    if (!spec) throw std::invalid_argument("unknown option '" + std::string(arg) + "' (see --help)");
    std::string value;
    if (spec->takes_value) {
      if (inline_value) value = *inline_value;
      else if (i + 1 < argc) value = argv[++i];
      else throw std::invalid_argument("--" + std::string(spec->long_name) + " needs a value");
    } else if (inline_value) {
      throw std::invalid_argument("--" + std::string(spec->long_name) + " takes no value");
    }
    if (std::string_view(spec->long_name) == "config-file") config_file = value;
    else given.emplace_back(spec->long_name, value);
  }
  options o;
  if (!config_file.empty())
    for (const auto& [key, value] : read_config_file(config_file)) apply(o, key, value);
  for (const auto& [key, value] : given) apply(o, key, value);
  return o;
}

std::string usage() {
  std::string text = "Usage: polycubed [options]\n\nOptions:\n";
  for (const auto& s : specs) {
    std::string flag = s.short_name ? std::string("-") + s.short_name + ", " : "    ";
    flag += "--" + std::string(s.long_name) + (s.takes_value ? " VALUE" : "");
    text += "  " + flag + std::string(flag.size() < 28 ? 28 - flag.size() : 1, ' ') + s.help + "\n";
  }
  return text;
}

}  // namespace pcn::daemon
