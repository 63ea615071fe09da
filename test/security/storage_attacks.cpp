// Attacks on plugin storage: quotas (bytes, keys, value size, key length and
// depth) and keys that would report success without being readable.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include <aura/core/context.hpp>
#include <aura/plugin/sandbox.hpp>

namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path = fs::temp_directory_path() /
                  ("aura-storage-attack-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
  temp_dir() { fs::create_directories(path); }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

std::uint64_t bytes_under(const fs::path& root) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

aura::context storage_context(std::shared_ptr<aura::storage> s, aura::storage_limits limits = {}) {
  aura::permissions p;
  p.storage = aura::storage_scope::plugin_private;
  p.call_api = {"storage"};
  aura::context ctx;
  ctx.set_owner("hoarder").set_permissions(p).set_storage(std::move(s)).set_storage_limits(limits);
  return ctx;
}

}  // namespace

TEST_CASE("storage: 64 MiB in 64 keys is refused under the default quota", "[security][storage]") {
  temp_dir t;
  auto ctx = storage_context(std::make_shared<aura::plugin::directory_storage>(t.path, "hoarder"));
  const std::string mib(1u << 20, 'z');
  int stored = 0;
  aura::error last;
  for (int i = 0; i < 64; ++i) {
    auto r = ctx.storage_set("k" + std::to_string(i), mib);
    if (!r) {
      last = r.error();
      break;
    }
    ++stored;
  }
  CHECK(stored == 16);  // 16 MiB default
  CHECK(last.code == aura::errc::limit_exceeded);
  CHECK(last.plugin == "hoarder");
  CHECK_THAT(last.message, Catch::Contains("16777216-byte quota"));
  CHECK(bytes_under(t.path) <= (16u << 20));
  // Overwriting a key does not count twice; removing one frees its share.
  CHECK(ctx.storage_set("k0", mib));
  REQUIRE(ctx.storage_remove("k1").value_or(false));
  CHECK(ctx.storage_set("k16", mib));
  CHECK_FALSE(ctx.storage_set("k17", mib));
}

TEST_CASE("storage: data already on disk counts against the quota", "[security][storage]") {
  temp_dir t;
  aura::storage_limits limits;
  limits.max_bytes = 1000;
  {
    aura::plugin::directory_storage first(t.path, "hoarder", false, limits);
    REQUIRE(first.set("a", std::string(900, 'a')));
  }
  aura::plugin::directory_storage second(t.path, "hoarder", false, limits);  // a new run of the host
  auto r = second.set("b", std::string(200, 'b'));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == aura::errc::limit_exceeded);
}

TEST_CASE("storage: a value above the value limit and a key past the key count are refused", "[security][storage]") {
  temp_dir t;
  aura::storage_limits limits;
  limits.max_keys = 10;
  auto ctx = storage_context(std::make_shared<aura::plugin::directory_storage>(t.path, "hoarder", false, limits), limits);
  auto big = ctx.storage_set("big", std::string((1u << 20) + 1, 'v'));
  REQUIRE_FALSE(big);
  CHECK(big.error().code == aura::errc::limit_exceeded);
  CHECK_THAT(big.error().message, Catch::Contains("1048576-byte value limit"));
  for (int i = 0; i < 10; ++i) REQUIRE(ctx.storage_set("k" + std::to_string(i), "v"));
  auto eleventh = ctx.storage_set("k10", "v");
  REQUIRE_FALSE(eleventh);
  CHECK_THAT(eleventh.error().message, Catch::Contains("limit of 10 keys"));
  CHECK(ctx.storage_set("k3", "replaced"));  // an existing key is not a new one
}

TEST_CASE("storage: 300 nested directories and very long keys are refused, nothing is created",
          "[security][storage]") {
  temp_dir t;
  auto ctx = storage_context(std::make_shared<aura::plugin::directory_storage>(t.path, "hoarder"));
  std::string deep;
  for (int i = 0; i < 300; ++i) deep += "d/";
  deep += "leaf";
  auto r = ctx.storage_set(deep, "x");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == aura::errc::limit_exceeded);
  auto nine = ctx.storage_set("1/2/3/4/5/6/7/8/9", "x");  // 9 segments, above the default 8
  REQUIRE_FALSE(nine);
  CHECK_THAT(nine.error().message, Catch::Contains("9 segments"));
  CHECK(ctx.storage_set("1/2/3/4/5/6/7/8", "x"));
  auto long_key = ctx.storage_set(std::string(10000, 'k'), "x");
  REQUIRE_FALSE(long_key);
  CHECK_THAT(long_key.error().message, Catch::Contains("above the limit of 256"));
  CHECK_FALSE(fs::exists(t.path / "d"));
}

TEST_CASE("storage: no key reports success and then cannot be read", "[security][storage]") {
  temp_dir t;
  auto store = std::make_shared<aura::plugin::directory_storage>(t.path, "hoarder");
  auto ctx = storage_context(store);
  const std::string bad[] = {"dir/", "a//b", ".", "..", "a/./b", "a/../b", "/abs", std::string("nul\0key", 7),
                             "ctl\x01key", "back\\slash", "trail/"};
  for (const auto& key : bad) {
    INFO("key: " << key);
    auto r = ctx.storage_set(key, "v");
    REQUIRE_FALSE(r);
    CHECK((r.error().code == aura::errc::invalid_argument || r.error().code == aura::errc::permission_denied));
    CHECK_THAT(r.error().message, Catch::Contains("storage key"));
    CHECK_FALSE(ctx.storage_get(key));
  }
  CHECK(fs::is_empty(t.path));
  // Direct use of the storage applies the same rules.
  CHECK_FALSE(store->set("dir/", "v"));

  // A key under a key that holds a value, and a key that is another key's parent.
  REQUIRE(ctx.storage_set("a", "1"));
  auto under = ctx.storage_set("a/b", "2");
  REQUIRE_FALSE(under);
  CHECK_THAT(under.error().message, Catch::Contains("lies under a key that holds a value"));
  REQUIRE(ctx.storage_set("p/q", "3"));
  auto parent = ctx.storage_set("p", "4");
  REQUIRE_FALSE(parent);
  CHECK_THAT(parent.error().message, Catch::Contains("parent of other keys"));
  auto as_dir = ctx.storage_get("p");  // a parent is not a value
  REQUIRE(as_dir);
  CHECK_FALSE(as_dir->has_value());
  CHECK(ctx.storage_get("a")->value() == "1");
  CHECK(ctx.storage_get("p/q")->value() == "3");
}

TEST_CASE("storage: the in-memory storage keeps the same quotas", "[security][storage]") {
  aura::storage_limits limits;
  limits.max_bytes = 100;
  limits.max_keys = 3;
  auto ctx = storage_context(std::make_shared<aura::memory_storage>(limits), limits);
  CHECK(ctx.storage_set("a", std::string(60, 'a')));
  CHECK_FALSE(ctx.storage_set("b", std::string(60, 'b')));
  CHECK(ctx.storage_set("a", std::string(10, 'a')));
  CHECK(ctx.storage_set("b", "b"));
  CHECK(ctx.storage_set("c", "c"));
  auto fourth = ctx.storage_set("d", "d");
  REQUIRE_FALSE(fourth);
  CHECK(fourth.error().code == aura::errc::limit_exceeded);
  CHECK_FALSE(ctx.storage_set("x//y", "v"));
}

TEST_CASE("storage: a manifest may ask for less than the host's cap, never more", "[security][storage]") {
  aura::storage_limits cap;
  aura::storage_request asked;
  asked.max_bytes = 4096;
  auto granted = aura::grant_storage(asked, cap);
  REQUIRE(granted);
  CHECK(granted->max_bytes == 4096);
  CHECK(granted->max_keys == cap.max_keys);
  asked.max_keys = cap.max_keys + 1;
  auto refused = aura::grant_storage(asked, cap);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == aura::errc::limit_exceeded);
  CHECK_THAT(refused.error().message, Catch::Contains("storage_quota.max_keys = 1025 is above the host's cap of 1024"));
}
