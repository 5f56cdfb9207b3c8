#include "dataplane/object.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <mutex>
#include <utility>
#include <vector>
#include <system_error>

#include "base/log.hpp"
#include "base/unique_fd.hpp"

namespace pcn::dataplane {
namespace {

// While a load runs on this thread, libbpf's warnings (the verifier log among them) are
// kept so that the exception can say why the kernel refused the program.
thread_local std::string* t_load_log = nullptr;

int libbpf_print(enum libbpf_print_level level, const char* format, va_list args) {
  // One level down: libbpf's warnings are our debug messages, its info and debug our trace.
  const log::level ours = level == LIBBPF_WARN ? log::level::debug : log::level::trace;
  const bool kept = t_load_log && level <= LIBBPF_INFO;
  if (!kept && !log::enabled(ours)) return 0;  // libbpf says a lot per load: not formatted for nothing
  char line[2048];
  int n = std::vsnprintf(line, sizeof line, format, args);
  if (n <= 0) return 0;
  std::string_view text(line, std::min<size_t>(static_cast<size_t>(n), sizeof line - 1));
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (kept) {
    t_load_log->append(text).push_back('\n');
    if (t_load_log->size() > 64 * 1024) t_load_log->erase(0, t_load_log->size() - 32 * 1024);
  }
  log::at(ours, "libbpf: {}", text);
  return 0;
}

std::string errno_text(int err) { return std::system_category().message(err < 0 ? -err : err); }

std::string log_tail(const std::string& log) {
  constexpr size_t keep = 1500;
  return log.size() <= keep ? log : "..." + log.substr(log.size() - keep);
}

}  // namespace

void install_libbpf_logger() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(libbpf_print); });
}

uint32_t verified_instructions(int prog_fd) {
  bpf_prog_info info{};
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0) return 0;
  return info.xlated_prog_len / 8;
}

bpf_object_file::bpf_object_file(std::string name, elf_image image) : _name(std::move(name)) {
  install_libbpf_logger();
  // The kernel keeps 15 characters of an object's name; ours is only for messages.
  LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = _name.c_str());
  _object = bpf_object__open_mem(image.data, image.size, &opts);
  if (!_object) throw bpf_error("open BPF object " + _name + ": " + errno_text(errno));
}

bpf_object_file::~bpf_object_file() { reset(); }

bpf_object_file::bpf_object_file(bpf_object_file&& other) noexcept
    : _name(std::move(other._name)), _object(std::exchange(other._object, nullptr)), _loaded(other._loaded) {}

bpf_object_file& bpf_object_file::operator=(bpf_object_file&& other) noexcept {
  if (this != &other) {
    reset();
    _name = std::move(other._name);
    _object = std::exchange(other._object, nullptr);
    _loaded = other._loaded;
  }
  return *this;
}

void bpf_object_file::reset() noexcept {
  if (_object) bpf_object__close(_object);
  _object = nullptr;
}

bpf_map* bpf_object_file::find_map(std::string_view map) const {
  bpf_map* m;
  bpf_object__for_each_map(m, _object) {
    if (map == bpf_map__name(m)) return m;
  }
  return nullptr;
}

namespace {

// The .rodata map of an object (libbpf names it "<object prefix>.rodata").
bpf_map* rodata_of(bpf_object* object) {
  bpf_map* m;
  bpf_object__for_each_map(m, object) {
    std::string_view name = bpf_map__name(m);
    if (bpf_map__is_internal(m) && name.ends_with(".rodata")) return m;
  }
  return nullptr;
}

// Offset and size of a variable in the .rodata section, from the object's BTF.
std::optional<std::pair<uint32_t, uint32_t>> rodata_variable(bpf_object* object, std::string_view variable) {
  const btf* b = bpf_object__btf(object);
  if (!b) return std::nullopt;
  int id = btf__find_by_name_kind(b, ".rodata", BTF_KIND_DATASEC);
  if (id < 0) return std::nullopt;
  const btf_type* sec = btf__type_by_id(b, static_cast<uint32_t>(id));
  const btf_var_secinfo* info = btf_var_secinfos(sec);
  for (int i = 0; i < btf_vlen(sec); ++i, ++info) {
    const btf_type* var = btf__type_by_id(b, info->type);
    if (variable == btf__name_by_offset(b, var->name_off)) return std::pair{info->offset, info->size};
  }
  return std::nullopt;
}

}  // namespace

bool bpf_object_file::has_constant(std::string_view variable) const {
  return rodata_variable(_object, variable).has_value();
}

std::optional<std::pair<uint32_t, uint32_t>> bpf_object_file::constant_location(std::string_view variable) const {
  return rodata_variable(_object, variable);
}

void bpf_object_file::set_constant(std::string_view variable, const void* value, size_t size) {
  if (_loaded) throw bpf_error(_name + ": constant " + std::string(variable) + " set after load");
  auto where = rodata_variable(_object, variable);
  bpf_map* rodata = rodata_of(_object);
  if (!where || !rodata) throw bpf_error(_name + ": no load-time constant named " + std::string(variable));
  if (where->second != size)
    throw bpf_error(_name + ": constant " + std::string(variable) + " has " + std::to_string(where->second) +
                    " bytes, not " + std::to_string(size));
  // libbpf 1.1 hands out the initial value read-only: edit a copy and set it back.
  size_t total = 0;
  auto* current = static_cast<const std::byte*>(bpf_map__initial_value(rodata, &total));
  if (!current || where->first + size > total) throw bpf_error(_name + ": .rodata of unexpected size");
  std::vector<std::byte> edited(current, current + total);
  std::memcpy(edited.data() + where->first, value, size);
  if (int rc = bpf_map__set_initial_value(rodata, edited.data(), edited.size()); rc != 0)
    throw bpf_error(_name + ": set constant " + std::string(variable) + ": " + errno_text(rc));
}

std::vector<std::string> bpf_object_file::map_names() const {
  std::vector<std::string> names;
  bpf_map* m;
  bpf_object__for_each_map(m, _object) {
    std::string_view name = bpf_map__name(m);
    if (!bpf_map__is_internal(m) || name.starts_with(shared_section_prefix)) names.emplace_back(name);
  }
  return names;
}

void bpf_object_file::pin_map(std::string_view map, const std::string& path) {
  bpf_map* m = find_map(map);
  if (!m) throw bpf_error(_name + ": no map named " + std::string(map));
  // The kernel adds BPF_F_RDONLY_PROG to a devmap whose values can carry programs, and
  // refuses it in a definition: libbpf would find the pinned one incompatible. Such a map,
  // pinned already with what the definition asks, is reused by its fd.
  auto type = bpf_map__type(m);
  if (type == BPF_MAP_TYPE_DEVMAP || type == BPF_MAP_TYPE_DEVMAP_HASH) {
    unique_fd pinned(bpf_obj_get(path.c_str()));
    bpf_map_info info{};
    uint32_t length = sizeof info;
    if (pinned && bpf_obj_get_info_by_fd(pinned.get(), &info, &length) == 0 && info.type == type &&
        info.key_size == bpf_map__key_size(m) && info.value_size == bpf_map__value_size(m) &&
        info.max_entries == bpf_map__max_entries(m) && (info.map_flags & ~BPF_F_RDONLY_PROG) == bpf_map__map_flags(m)) {
      reuse_map(map, pinned.get());
      return;
    }
  }
  if (int rc = bpf_map__set_pin_path(m, path.c_str()); rc != 0)
    throw bpf_error(_name + ": pin map " + std::string(map) + " at " + path + ": " + errno_text(rc));
}

void bpf_object_file::reuse_map(std::string_view map, int fd) {
  bpf_map* m = find_map(map);
  if (!m) throw bpf_error(_name + ": no map named " + std::string(map));
  if (int rc = bpf_map__reuse_fd(m, fd); rc != 0)
    throw bpf_error(_name + ": reuse map " + std::string(map) + ": " + errno_text(rc));
}

void bpf_object_file::set_max_entries(std::string_view map, uint32_t entries) {
  bpf_map* m = find_map(map);
  if (!m) throw bpf_error(_name + ": no map named " + std::string(map));
  if (int rc = bpf_map__set_max_entries(m, entries); rc != 0)
    throw bpf_error(_name + ": cannot size map " + std::string(map) + ": " + errno_text(rc));
}

void bpf_object_file::set_autoload(std::string_view program, bool load) {
  bpf_program* p = bpf_object__find_program_by_name(_object, std::string(program).c_str());
  if (!p) throw bpf_error(_name + ": no program named " + std::string(program));
  bpf_program__set_autoload(p, load);
}

void bpf_object_file::load() {
  std::string verifier_log;
  t_load_log = &verifier_log;
  int rc = bpf_object__load(_object);
  t_load_log = nullptr;
  if (rc != 0) {
    std::string message = "load BPF object " + _name + ": " + errno_text(rc);
    if (!verifier_log.empty()) message += "\n" + log_tail(verifier_log);
    throw bpf_error(message);
  }
  _loaded = true;
}

std::optional<int> bpf_object_file::find_map_fd(std::string_view map) const {
  bpf_map* m = find_map(map);
  if (!m) return std::nullopt;
  int fd = bpf_map__fd(m);
  if (fd < 0) return std::nullopt;
  return fd;
}

int bpf_object_file::map_fd(std::string_view map) const {
  auto fd = find_map_fd(map);
  if (!fd) throw bpf_error(_name + ": no loaded map named " + std::string(map));
  return *fd;
}

int bpf_object_file::program_fd(std::string_view program) const {
  bpf_program* p = bpf_object__find_program_by_name(_object, std::string(program).c_str());
  int fd = p ? bpf_program__fd(p) : -1;
  if (fd < 0) throw bpf_error(_name + ": no loaded program named " + std::string(program));
  return fd;
}

std::vector<std::string> bpf_object_file::program_names() const {
  std::vector<std::string> names;
  bpf_program* p;
  bpf_object__for_each_program(p, _object) { names.emplace_back(bpf_program__name(p)); }
  return names;
}

program_template::program_template(const bpf_object_file& loaded, std::string_view program)
    : _object(&loaded), _program(program) {
  bpf_program* p = loaded._object ? bpf_object__find_program_by_name(loaded._object, _program.c_str()) : nullptr;
  bpf_map* rodata = loaded._object ? rodata_of(loaded._object) : nullptr;
  if (!loaded.loaded() || !p || !rodata || bpf_program__fd(p) < 0)
    throw bpf_error(loaded.name() + ": no loaded program " + _program + " with a .rodata to make a template of");
  static_assert(sizeof(bpf_insn) == sizeof(uint64_t));
  const bpf_insn* insns = bpf_program__insns(p);
  size_t count = bpf_program__insn_cnt(p);
  // Instances are loaded without BTF and only their .rodata changes: refuse what either
  // cannot carry (callbacks want func_info; map references by index want libbpf's loader).
  for (size_t i = 0; i < count; ++i)
    if (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
        (insns[i].src_reg == BPF_PSEUDO_FUNC || insns[i].src_reg == BPF_PSEUDO_MAP_IDX || insns[i].src_reg == BPF_PSEUDO_MAP_IDX_VALUE))
      throw bpf_error(loaded.name() + ": program " + _program + " references a function or a map by index: it cannot be a template");
  _insns.resize(count);
  std::memcpy(_insns.data(), insns, _insns.size() * sizeof(bpf_insn));
  size_t size = 0;
  const auto* initial = static_cast<const unsigned char*>(bpf_map__initial_value(rodata, &size));
  if (!initial) throw bpf_error(loaded.name() + ": .rodata without contents");
  _rodata.assign(initial, initial + size);
  _rodata_fd = bpf_map__fd(rodata);
  _rodata_name = bpf_map__name(rodata);
  _rodata_flags = bpf_map__map_flags(rodata);
  _type = bpf_program__type(p);
  _expected_attach_type = bpf_program__expected_attach_type(p);
  _prog_flags = bpf_program__flags(p);
}

unique_fd program_template::instantiate(const std::vector<load_constant>& constants, const std::string& name) const {
  std::vector<unsigned char> rodata = _rodata;
  for (const auto& c : constants) {
    auto where = rodata_variable(_object->_object, c.name);
    if (!where || where->second != c.value.size() || where->first + where->second > rodata.size())
      throw bpf_error(name + ": no load-time constant " + c.name + " of " + std::to_string(c.value.size()) + " bytes");
    std::memcpy(rodata.data() + where->first, c.value.data(), c.value.size());
  }
  // The instance's own .rodata, frozen so that the verifier folds what the program reads of it.
  LIBBPF_OPTS(bpf_map_create_opts, map_opts, .map_flags = _rodata_flags);
  unique_fd data(bpf_map_create(BPF_MAP_TYPE_ARRAY, _rodata_name.c_str(), sizeof(uint32_t), static_cast<uint32_t>(rodata.size()), 1, &map_opts));
  if (!data) throw bpf_error(name + ": create .rodata: " + errno_text(errno));
  uint32_t zero = 0;
  if (bpf_map_update_elem(data.get(), &zero, rodata.data(), BPF_ANY) != 0 || bpf_map_freeze(data.get()) != 0)
    throw bpf_error(name + ": write .rodata: " + errno_text(errno));

  std::vector<bpf_insn> insns(_insns.size());
  std::memcpy(insns.data(), _insns.data(), insns.size() * sizeof(bpf_insn));
  for (size_t i = 0; i + 1 < insns.size(); ++i) {
    bpf_insn& in = insns[i];
    if (in.code != (BPF_LD | BPF_IMM | BPF_DW)) continue;
    if (in.src_reg == BPF_PSEUDO_MAP_VALUE && in.imm == _rodata_fd) in.imm = data.get();
    ++i;  // the second half of the 16-byte instruction
  }
  // No log for the load itself (asking for one slows every load); a failure is loaded
  // again with one, to say why.
  LIBBPF_OPTS(bpf_prog_load_opts, load_opts, .expected_attach_type = static_cast<bpf_attach_type>(_expected_attach_type),
              .prog_flags = _prog_flags);
  auto load = [&] {
    return bpf_prog_load(static_cast<bpf_prog_type>(_type), _program.substr(0, BPF_OBJ_NAME_LEN - 1).c_str(), "GPL", insns.data(),
                         insns.size(), &load_opts);
  };
  int fd = load();
  if (fd >= 0) return unique_fd(fd);
  int err = errno;
  std::string log(1 << 20, '\0');  // the kernel keeps the start of a log that does not fit
  load_opts.log_level = 1;
  load_opts.log_buf = log.data();
  load_opts.log_size = static_cast<uint32_t>(log.size());
  if (unique_fd again(load()); again) return again;  // the first failure passed (memory, a signal)
  log.resize(std::strlen(log.c_str()));
  throw bpf_error("load " + name + " (" + _program + " of " + _object->name() + "): " + errno_text(err) + (log.empty() ? "" : "\n" + log_tail(log)));
}

}  // namespace pcn::dataplane
