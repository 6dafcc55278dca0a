#include "reference-broker/core/subscription_tree.hpp"

#include <algorithm>

#include "reference-broker/core/fault_injection.hpp"
#include "reference-broker/core/string_hash.hpp"

namespace mqtt::broker {

namespace {

// next_level splits the level at `pos` off `s`; `pos` moves past the '/' (or to npos).
std::string_view next_level(std::string_view s, std::size_t& pos) {
  std::size_t slash = s.find('/', pos);
  std::string_view level = s.substr(pos, slash == std::string_view::npos ? s.npos : slash - pos);
  pos = slash == std::string_view::npos ? std::string_view::npos : slash + 1;
  return level;
}

}  // namespace

struct subscription_tree::node {
  node* parent = nullptr;
  std::string level;
  string_map<std::unique_ptr<node>> children;
  std::unordered_map<std::string, subscription_entry> subscribers;
  std::map<std::string, shared_group, std::less<>> groups;

  bool empty() const { return children.empty() && subscribers.empty() && groups.empty(); }
  node* child(std::string_view name) const {
    auto it = children.find(name);
    return it == children.end() ? nullptr : it->second.get();
  }
};

subscription_tree::subscription_tree() : root_(std::make_unique<node>()) {}
// The nodes are unlinked into a flat list before they are freed: freed through the tree,
// a filter of 32,768 levels (the most a 65,535-byte filter holds) is a unique_ptr chain that
// deep, and its recursive destruction overflowed the stack when the broker shut down with
// such a subscription in place.
subscription_tree::~subscription_tree() {
  std::vector<std::unique_ptr<node>> pending;
  pending.push_back(std::move(root_));
  while (!pending.empty()) {
    std::unique_ptr<node> n = std::move(pending.back());
    pending.pop_back();
    for (auto& entry : n->children) pending.push_back(std::move(entry.second));
  }
}

subscription_tree::node* subscription_tree::find_or_create(std::string_view filter) {
  node* n = root_.get();
  std::size_t pos = 0;
  while (pos != std::string_view::npos) {
    std::string_view level = next_level(filter, pos);
    auto it = n->children.find(level);
    if (it == n->children.end()) {
      auto child = std::make_unique<node>();
      child->parent = n;
      child->level = std::string(level);
      it = n->children.emplace(child->level, std::move(child)).first;
    }
    n = it->second.get();
  }
  return n;
}

bool subscription_tree::subscribe(const std::string& client_id, std::string_view filter,
                                  std::string_view share_group, const subscription_entry& entry) {
  node* n = find_or_create(filter);
  if (share_group.empty()) {
    auto [it, inserted] = n->subscribers.insert_or_assign(client_id, entry);
    (void)it;
    if (inserted) ++count_;
    return !inserted;
  }
  auto git = n->groups.find(share_group);
  if (git == n->groups.end()) {
    git = n->groups.try_emplace(std::string(share_group)).first;
    git->second.name = std::string(share_group);
  }
  auto& members = git->second.members;
  auto mit = std::find_if(members.begin(), members.end(),
                          [&](const auto& m) { return m.first == client_id; });
  if (mit != members.end()) {
    mit->second = entry;
    return true;
  }
  members.emplace_back(client_id, entry);
  ++count_;
  return false;
}

bool subscription_tree::unsubscribe(const std::string& client_id, std::string_view filter,
                                    std::string_view share_group) {
  node* n = root_.get();
  std::size_t pos = 0;
  while (pos != std::string_view::npos && n) n = n->child(next_level(filter, pos));
  if (!n) return false;
  bool removed = false;
  if (share_group.empty()) {
    removed = n->subscribers.erase(client_id) > 0;
  } else if (auto git = n->groups.find(share_group); git != n->groups.end()) {
    auto& members = git->second.members;
    auto mit = std::find_if(members.begin(), members.end(),
                            [&](const auto& m) { return m.first == client_id; });
    if (mit != members.end()) {
      members.erase(mit);
      removed = true;
      if (members.empty()) n->groups.erase(git);
    }
  }
  if (removed) --count_;
  // Prune branches that hold nothing any more.
  while (n != root_.get() && n->empty()) {
    node* parent = n->parent;
    parent->children.erase(n->level);
    n = parent;
  }
  return removed;
}

void subscription_tree::match(
    std::string_view topic,
    const std::function<void(const std::string&, const subscription_entry&)>& on_subscriber,
    const std::function<void(shared_group&)>& on_group) {
  auto visit = [&](node& n) {
    for (const auto& [client, entry] : n.subscribers) on_subscriber(client, entry);
    for (auto& [name, group] : n.groups) on_group(group);
  };
  // Depth-first over (node, position in topic). A '#' child matches the rest, including
  // the parent level itself ("a/#" matches "a"); '+' matches exactly one level.
  const bool dollar = !topic.empty() && topic.front() == '$';
  struct frame {
    node* n;
    std::size_t pos;  // npos: every level consumed
  };
  std::vector<frame> stack{{root_.get(), 0}};
  while (!stack.empty()) {
    frame f = stack.back();
    stack.pop_back();
    const bool at_root = f.n == root_.get();
    // [MQTT-4.7.2-1] wildcards at the first level never match a topic starting with '$'.
    const bool wildcards_allowed = !(at_root && dollar) || fault("dollar-topics-match-wildcards");
    if (wildcards_allowed && (f.pos != std::string_view::npos || !fault("hash-not-matching-parent"))) {
      if (node* hash = f.n->child("#")) visit(*hash);
    }
    if (f.pos == std::string_view::npos) {
      visit(*f.n);
      continue;
    }
    std::size_t pos = f.pos;
    std::string_view level = next_level(topic, pos);
    if (node* exact = f.n->child(level)) stack.push_back({exact, pos});
    if (wildcards_allowed) {
      if (node* plus = f.n->child("+")) stack.push_back({plus, pos});
    }
  }
}

}  // namespace mqtt::broker
