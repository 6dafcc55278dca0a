// crypto_primitives.hpp: the few mbedTLS calls the auth module needs (SHA-256, HMAC,
// PBKDF2, base64), a constant-time compare and OS random bytes, behind std::byte spans.
// Shared by password_file.cpp (mosquitto hashes) and scram.cpp (SCRAM-SHA-256), and by the
// conformance harness's SCRAM client through the mqtt_scram library. Nothing here blocks
// on I/O except random_bytes (getrandom(2), which does not block once the kernel's pool
// is initialised); all functions are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mqtt::broker::auth {

using bytes = std::vector<std::byte>;

// as_bytes_view views text as bytes (no copy).
inline std::span<const std::byte> as_bytes_view(std::string_view text) {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

// decode_base64 reads standard base64 (with padding); std::nullopt when it is not base64.
std::optional<bytes> decode_base64(std::string_view text);
// encode_base64 writes standard base64 with padding.
std::string encode_base64(std::span<const std::byte> data);

enum class digest : std::uint8_t { sha256, sha512 };
// digest_size is 32 for SHA-256, 64 for SHA-512.
std::size_t digest_size(digest d);

// hash computes H(data) with `d`.
bytes hash(digest d, std::span<const std::byte> data);
// hash_concat computes H(a || b) with `d` (mosquitto's "$6$" is SHA-512(password || salt)).
bytes hash_concat(digest d, std::span<const std::byte> a, std::span<const std::byte> b);
// hmac computes HMAC-H(key, data).
bytes hmac(digest d, std::span<const std::byte> key, std::span<const std::byte> data);
// pbkdf2 derives digest_size(d) bytes with PBKDF2-HMAC-H; CPU cost grows with `iterations`.
bytes pbkdf2(digest d, std::string_view password, std::span<const std::byte> salt,
             std::uint32_t iterations);

// equal_constant_time compares without an early exit; lengths are not secret.
bool equal_constant_time(std::span<const std::byte> a, std::span<const std::byte> b);

// random_bytes returns `size` bytes from the operating system's random source.
bytes random_bytes(std::size_t size);

}  // namespace mqtt::broker::auth
