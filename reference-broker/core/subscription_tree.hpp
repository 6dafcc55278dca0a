// subscription_tree.hpp: Topic Filters by level, for matching a Topic Name to every
// subscription that wants it (4.7) and picking one member of each shared group (4.8.2).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "codec/packets.hpp"
#include "reference-broker/core/verdict.hpp"

namespace mqtt::broker {

// subscription_entry is one client's subscription to one filter.
struct subscription_entry {
  codec::subscribe_options options;
  std::optional<std::uint32_t> subscription_id;
  // Set when the ACL lets the client subscribe to the filter but not read every topic it
  // matches: asked per delivery. Null (no ACL, or the filter inside one read rule) costs
  // nothing.
  std::shared_ptr<const read_filter> read_check;

  bool may_read(std::string_view topic) const { return !read_check || read_check->may_read(topic); }
};

class subscription_tree {
 public:
  subscription_tree();
  ~subscription_tree();

  // subscribe adds or replaces `client_id`'s subscription to `filter` (a valid filter;
  // for a shared subscription pass the part after $share/{group}/ and the group name).
  // Returns whether it replaced an existing one.
  bool subscribe(const std::string& client_id, std::string_view filter,
                 std::string_view share_group, const subscription_entry& entry);

  // unsubscribe removes it; returns whether it existed. Empty branches are pruned.
  bool unsubscribe(const std::string& client_id, std::string_view filter,
                   std::string_view share_group);

  // match may run on many threads at once; subscribe and unsubscribe must run alone.
  // match calls `on_subscriber(client_id, entry)` for every non-shared subscription whose
  // filter matches `topic` (a client with overlapping subscriptions is called once per
  // subscription), and `on_group(members)` once per shared group that matches, with its
  // members in a stable order for the caller to pick from.
  struct group_member {
    const std::string* client_id;
    const subscription_entry* entry;
  };
  struct shared_group {
    std::string name;
    std::vector<std::pair<std::string, subscription_entry>> members;
    // Round-robin cursor, advanced by the caller; atomic because routes run in parallel.
    std::atomic<std::size_t> next{0};
  };
  void match(std::string_view topic,
             const std::function<void(const std::string&, const subscription_entry&)>& on_subscriber,
             const std::function<void(shared_group&)>& on_group);

  std::size_t size() const { return count_; }

 private:
  struct node;
  node* find_or_create(std::string_view filter);
  std::unique_ptr<node> root_;
  std::size_t count_ = 0;
};

}  // namespace mqtt::broker
