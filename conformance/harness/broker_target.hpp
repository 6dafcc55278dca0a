// broker_target.hpp: where the broker under test is, and launching one when none is given.
//
// Resolution order: an explicit URL (CLI --broker), then the MQTTCERT_BROKER environment
// variable, else the reference broker is started on a free loopback port (binary from
// MQTTCERT_REFBROKER, or the path compiled in) and stopped when the target is destroyed.
//
// The WebSocket address (for the section 6 tests) is MQTTCERT_BROKER_WS=ws://host:port/path
// when set, else the launched broker's ws:// listener, else the main URL when that is
// ws:// or wss://, else none (ws_absent_reason says why).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "conformance/harness/broker_address.hpp"
#include "conformance/harness/profile.hpp"

namespace mqtt::cert {

using namespace std::chrono_literals;

// pick_free_port binds a TCP socket on 127.0.0.1 port 0 and returns the port the kernel
// chose (then closes it). 0 on failure.
std::uint16_t pick_free_port();

// wait_until_accepting polls TCP connects to `address` until one succeeds or `timeout`
// passes. Returns true once the broker accepts. Blocks.
bool wait_until_accepting(const broker_address& address, std::chrono::milliseconds timeout,
                          pid_t watch_pid = -1);

// scram_login is a SCRAM-SHA-256 user for a launched reference broker to know.
struct scram_login {
  std::string username;
  std::string password;
};

// scram_login_of returns the profile's SCRAM-SHA-256 user, if its enhanced authentication
// method is SCRAM-SHA-256.
std::optional<scram_login> scram_login_of(const broker_profile& profile);

// broker_process is a broker child process this harness started. stop() (or the
// destructor) sends SIGTERM, waits up to 2 s, then SIGKILL.
class broker_process {
 public:
  ~broker_process();
  broker_process(const broker_process&) = delete;
  broker_process& operator=(const broker_process&) = delete;

  // start_refbroker launches mqtt-refbroker --listen tcp://127.0.0.1:PORT --listen
  // ws://127.0.0.1:PORT2/mqtt (plus --time-scale N when `time_scale` > 1, the profile's
  // clock speed-up, and any `extra_flags`) and waits until both accept. With `login`, it
  // first writes a password file (mode 0600, in the broker's temporary directory) holding
  // that user's SCRAM-SHA-256 line only, and adds --password-file FILE --allow-anonymous
  // true: the broker then offers SCRAM-SHA-256 and still lets every other client in.
  // nullptr and `error` on failure.
  static std::unique_ptr<broker_process> start_refbroker(
      const std::string& binary, std::string* error, double time_scale = 1,
      const std::vector<std::string>& extra_flags = {},
      const std::optional<scram_login>& login = std::nullopt);
  // start_mosquitto writes a config (listener PORT 127.0.0.1, allow_anonymous true,
  // persistence off, and a `protocol websockets` listener on PORT2 when the binary links
  // libwebsockets) into a temporary directory and launches `binary -c conf`.
  // `extra_config` lines are appended to the config's default listener section.
  static std::unique_ptr<broker_process> start_mosquitto(
      const std::string& binary, std::string* error,
      const std::vector<std::string>& extra_config = {});

  // start_nanomq writes a NanoMQ HOCON config (listeners.tcp on 127.0.0.1:PORT,
  // listeners.ws on 127.0.0.1:PORT2/mqtt, the log on the console at `log_level`, no HTTP
  // API) followed by the `extra_config` lines into a temporary directory, and launches
  // `binary start --conf FILE` with a pid file of its own there (NanoMQ refuses to start
  // while its pid file names a live process, so each instance needs one).
  static std::unique_ptr<broker_process> start_nanomq(
      const std::string& binary, std::string* error,
      const std::vector<std::string>& extra_config = {}, const std::string& log_level = "warn");

  // start_command launches `argv` (any broker command line) with its output in a fresh
  // temporary directory's broker.log and waits until `wait_for` accepts (a tls:// or ws://
  // address is checked with a full handshake). nullptr and `error` on failure.
  static std::unique_ptr<broker_process> start_command(std::vector<std::string> argv,
                                                       broker_address wait_for,
                                                       std::string* error);

  const broker_address& address() const { return address_; }
  // ws_address is the broker's ws:// listener, if it has one; ws_absent_reason says why not.
  const std::optional<broker_address>& ws_address() const { return ws_address_; }
  const std::string& ws_absent_reason() const { return ws_absent_reason_; }
  // time_scale is the clock speed-up the broker was started with: the one asked for, or 1
  // when the binary has no --time-scale option (a note goes to stderr then).
  double time_scale() const { return time_scale_; }
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  // running says whether the process is still alive (it reaps it when it is not, keeping
  // how it ended for exit_description: "killed by signal 11 (Segmentation fault)").
  bool running();
  const std::string& exit_description() const { return exit_description_; }
  // log_text is everything the broker has written to its log so far.
  std::string log_text() const;
  // command is the command line it was started with, for reports.
  const std::string& command() const { return command_; }
  void stop();

 private:
  broker_process() = default;
  // spawn runs argv (with `extra_env` "NAME=value" entries added to the environment) with
  // stdout and stderr into log_path_, then waits until it accepts.
  static std::unique_ptr<broker_process> spawn(std::vector<std::string> argv,
                                               broker_address address, std::string work_dir,
                                               std::string* error,
                                               const std::vector<std::string>& extra_env = {});
  pid_t pid_ = -1;
  double time_scale_ = 1;
  broker_address address_;
  std::optional<broker_address> ws_address_;
  std::string ws_absent_reason_;
  std::string work_dir_;
  std::string log_path_;
  std::string command_;
  std::string exit_description_;
};

// refbroker_has_time_scale says whether `binary --help` lists --time-scale (the test hook
// that makes its clock run faster). Blocks while the binary prints its help.
bool refbroker_has_time_scale(const std::string& binary);

// mosquitto_has_websockets says whether `binary` links libwebsockets (`ldd`), which Mosquitto
// 2.0 needs for `protocol websockets`. Blocks while ldd runs.
bool mosquitto_has_websockets(const std::string& binary);

// default_refbroker_path returns MQTTCERT_REFBROKER if set, else the compiled-in path.
std::string default_refbroker_path();

// nanomq_binary returns the NanoMQ to launch: NANOMQ_BIN when set, else the one the test
// set-up builds into this build tree from the source snapshot (CTest fixture
// interop.nanomq.build, see interop/nanomq). Empty, with `why` in one sentence, when
// there is none.
std::string nanomq_binary(std::string* why);

// broker_target is the resolved broker for one run: an address, and the process if the
// harness launched it.
class broker_target {
 public:
  // resolve follows the order above; `explicit_url` wins when given. A launched reference
  // broker gets `refbroker_time_scale` (the loaded profile's time_scale). nullopt and
  // `error` when the URL is bad or the reference broker cannot be started.
  // `refbroker_login` (scram_login_of the profile) is given to a launched reference broker.
  static std::unique_ptr<broker_target> resolve(
      const std::optional<std::string>& explicit_url, std::string* error,
      double refbroker_time_scale = 1,
      const std::optional<scram_login>& refbroker_login = std::nullopt);
  // will_launch says whether resolve would start the reference broker (no URL given and
  // MQTTCERT_BROKER unset), so the caller can load the refbroker profile first.
  static bool will_launch(const std::optional<std::string>& explicit_url);

  const broker_address& address() const { return address_; }
  // ws_address is where the WebSocket tests connect (see the order above); nullopt when
  // none is known, and ws_absent_reason then says why in one sentence.
  const std::optional<broker_address>& ws_address() const { return ws_address_; }
  const std::string& ws_absent_reason() const { return ws_absent_reason_; }
  bool launched() const { return process_ != nullptr; }
  const broker_process* process() const { return process_.get(); }
  // time_scale is the launched broker's clock speed-up; 1 for a broker given by URL.
  double time_scale() const { return process_ ? process_->time_scale() : 1; }

 private:
  broker_address address_;
  std::optional<broker_address> ws_address_;
  std::string ws_absent_reason_;
  std::unique_ptr<broker_process> process_;
};

}  // namespace mqtt::cert
