#pragma once
// Typed views of BPF maps for control planes: table<K, V> for hash/array/LPM maps,
// percpu_table<K, V> for per-CPU ones (one value per possible CPU, summed on request), and
// mapped_array<V> for an mmapable array read and written in place.
// A table does not own the map's fd: the cube (or framework) that loaded it does.
// Errors throw std::system_error naming the map and the operation.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace pcn::dataplane {

namespace detail {
[[noreturn]] inline void map_failure(const std::string& map, const char* op, int err) {
  throw std::system_error(err, std::system_category(), std::string(op) + " in map " + map);
}
inline unsigned possible_cpus() {
  static const unsigned n = [] {
    int c = libbpf_num_possible_cpus();
    return c > 0 ? static_cast<unsigned>(c) : 1u;
  }();
  return n;
}
// One more than the highest possible CPU's number (bpf_get_smp_processor_id() is below it):
// more than possible_cpus() when the possible CPUs have holes ("0,2-3").
inline unsigned cpu_number_bound() {
  static const unsigned n = [] {
    std::ifstream file("/sys/devices/system/cpu/possible");
    std::string list;
    std::getline(file, list);
    size_t last = list.find_last_of("0123456789");
    if (last == std::string::npos) return possible_cpus();
    size_t first = list.find_last_not_of("0123456789", last);
    first = first == std::string::npos ? 0 : first + 1;
    return std::max(static_cast<unsigned>(std::stoul(list.substr(first, last - first + 1))) + 1, possible_cpus());
  }();
  return n;
}
}  // namespace detail

enum class update_mode : uint64_t { any = BPF_ANY, create_only = BPF_NOEXIST, replace_only = BPF_EXIST };

template <typename K, typename V>
class table {
  static_assert(std::is_trivially_copyable_v<K> && std::is_trivially_copyable_v<V>, "map keys and values are plain data");

 public:
  table(int fd, std::string name) : _fd(fd), _name(std::move(name)) {}

  int fd() const noexcept { return _fd; }
  const std::string& name() const noexcept { return _name; }

  std::optional<V> get(const K& key) const {
    V value{};
    if (bpf_map_lookup_elem(_fd, &key, &value) == 0) return value;
    if (errno == ENOENT) return std::nullopt;
    detail::map_failure(_name, "lookup", errno);
  }

  void set(const K& key, const V& value, update_mode mode = update_mode::any) {
    if (bpf_map_update_elem(_fd, &key, &value, static_cast<uint64_t>(mode)) != 0) detail::map_failure(_name, "update", errno);
  }

  // False when the key was absent.
  bool remove(const K& key) {
    if (bpf_map_delete_elem(_fd, &key) == 0) return true;
    if (errno == ENOENT) return false;
    detail::map_failure(_name, "delete", errno);
  }

  // Many updates in one system call (falls back to one by one where batching is refused).
  void set_batch(std::span<const K> keys, std::span<const V> values) {
    if (keys.size() != values.size()) throw std::invalid_argument("set_batch in map " + _name + ": keys and values differ in count");
    if (keys.empty()) return;
    auto count = static_cast<uint32_t>(keys.size());
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    if (bpf_map_update_batch(_fd, keys.data(), values.data(), &count, &opts) == 0) return;
    constexpr int kernel_enotsupp = 524;  // what map types without batch support answer
    if (errno != EINVAL && errno != kernel_enotsupp && errno != EOPNOTSUPP) detail::map_failure(_name, "batch update", errno);
    for (size_t i = 0; i < keys.size(); ++i) set(keys[i], values[i]);
  }

  void remove_batch(std::span<const K> keys) {
    if (keys.empty()) return;
    auto count = static_cast<uint32_t>(keys.size());
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    if (bpf_map_delete_batch(_fd, keys.data(), &count, &opts) == 0) return;
    for (size_t i = 0; i < keys.size(); ++i) remove(keys[i]);
  }

  // Every entry (a snapshot: the fast path may change the map meanwhile).
  std::vector<std::pair<K, V>> entries() const {
    std::vector<std::pair<K, V>> out;
    K key{}, next{};
    const K* previous = nullptr;
    while (bpf_map_get_next_key(_fd, previous, &next) == 0) {
      V value{};
      if (bpf_map_lookup_elem(_fd, &next, &value) == 0) out.emplace_back(next, value);
      key = next;
      previous = &key;
    }
    return out;
  }

 private:
  int _fd;
  std::string _name;
};

template <typename K, typename V>
class percpu_table {
  static_assert(std::is_trivially_copyable_v<K> && std::is_trivially_copyable_v<V>, "map keys and values are plain data");
  static_assert(sizeof(V) % 8 == 0, "the kernel lays per-CPU values out 8 bytes apart: pad the value type");

 public:
  percpu_table(int fd, std::string name) : _fd(fd), _name(std::move(name)) {}

  int fd() const noexcept { return _fd; }

  // One value per possible CPU; empty when the key is absent.
  std::vector<V> get_all(const K& key) const {
    std::vector<V> values(detail::possible_cpus());
    if (bpf_map_lookup_elem(_fd, &key, values.data()) == 0) return values;
    if (errno == ENOENT) return {};
    detail::map_failure(_name, "lookup", errno);
  }

  // The per-CPU values combined with `add(total, value)`.
  template <typename Add>
  V sum(const K& key, Add add) const {
    V total{};
    for (const V& v : get_all(key)) add(total, v);
    return total;
  }

  // Sets every CPU's value to `value` (e.g. zero to reset counters).
  void set_all(const K& key, const V& value) {
    std::vector<V> values(detail::possible_cpus(), value);
    if (bpf_map_update_elem(_fd, &key, values.data(), BPF_ANY) != 0) detail::map_failure(_name, "update", errno);
  }

 private:
  int _fd;
  std::string _name;
};

// An array map made with BPF_F_MMAPABLE, mapped into this process: its values are read and
// written in place, without a system call. The mapping keeps the map alive; the fd is not
// owned. Values the fast path changes concurrently are best read with std::atomic_ref.
template <typename V>
class mapped_array {
  static_assert(std::is_trivially_copyable_v<V> && sizeof(V) % 8 == 0, "array values are laid out 8 bytes apart: pad the value type");

 public:
  mapped_array() noexcept = default;
  // Maps the first `entries` values of the map.
  mapped_array(int fd, size_t entries, const std::string& name) : _entries(entries) {
    long page = ::sysconf(_SC_PAGESIZE);
    _bytes = (entries * sizeof(V) + page - 1) / page * page;
    void* p = ::mmap(nullptr, _bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) detail::map_failure(name, "mmap", errno);
    _values = static_cast<V*>(p);
  }
  ~mapped_array() {
    if (_values) ::munmap(_values, _bytes);
  }
  mapped_array(mapped_array&& o) noexcept
      : _values(std::exchange(o._values, nullptr)), _entries(std::exchange(o._entries, 0)), _bytes(std::exchange(o._bytes, 0)) {}
  mapped_array& operator=(mapped_array&& o) noexcept {
    std::swap(_values, o._values);
    std::swap(_entries, o._entries);
    std::swap(_bytes, o._bytes);
    return *this;
  }

  bool mapped() const noexcept { return _values != nullptr; }
  size_t size() const noexcept { return _entries; }
  V& operator[](size_t i) const noexcept { return _values[i]; }

 private:
  V* _values = nullptr;
  size_t _entries = 0;
  size_t _bytes = 0;
};

}  // namespace pcn::dataplane
