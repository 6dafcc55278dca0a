// config_error.hpp: the exception thrown when a password file, ACL file or webhook
// configuration cannot be loaded. what() is one line naming the place, e.g.
// "/etc/mqtt/acl:7: topic: missing Topic Filter".
// Configuration is operator input, read at start-up; peer input never throws.
#pragma once

#include <stdexcept>
#include <string>

namespace mqtt::broker::auth {

class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace mqtt::broker::auth
