#include "reference-broker/auth/crypto_primitives.hpp"

#include <mbedtls/base64.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/version.h>

#include <random>
#include <stdexcept>

namespace mqtt::broker::auth {
namespace {

const auto* as_uchar(const void* p) { return static_cast<const unsigned char*>(p); }
auto* as_uchar(std::byte* p) { return reinterpret_cast<unsigned char*>(p); }

mbedtls_md_type_t md_type(digest d) {
  return d == digest::sha256 ? MBEDTLS_MD_SHA256 : MBEDTLS_MD_SHA512;
}

const mbedtls_md_info_t* md_info(digest d) { return mbedtls_md_info_from_type(md_type(d)); }

}  // namespace

std::optional<bytes> decode_base64(std::string_view text) {
  std::size_t need = 0;
  // The first call only measures; it fails with BUFFER_TOO_SMALL or INVALID_CHARACTER.
  int rc = mbedtls_base64_decode(nullptr, 0, &need, as_uchar(text.data()), text.size());
  if (rc == MBEDTLS_ERR_BASE64_INVALID_CHARACTER) return std::nullopt;
  bytes out(need);
  std::size_t written = 0;
  rc = mbedtls_base64_decode(as_uchar(out.data()), out.size(), &written, as_uchar(text.data()),
                             text.size());
  if (rc != 0) return std::nullopt;
  out.resize(written);
  return out;
}

std::string encode_base64(std::span<const std::byte> data) {
  std::size_t need = 0;
  mbedtls_base64_encode(nullptr, 0, &need, as_uchar(data.data()), data.size());
  std::string out(need, '\0');
  std::size_t written = 0;
  if (mbedtls_base64_encode(reinterpret_cast<unsigned char*>(out.data()), out.size(), &written,
                            as_uchar(data.data()), data.size()) != 0) {
    throw std::runtime_error("base64 encoding failed");
  }
  out.resize(written);
  return out;
}

std::size_t digest_size(digest d) { return d == digest::sha256 ? 32 : 64; }

bytes hash(digest d, std::span<const std::byte> data) { return hash_concat(d, data, {}); }

bytes hash_concat(digest d, std::span<const std::byte> a, std::span<const std::byte> b) {
  bytes out(digest_size(d));
  mbedtls_md_context_t ctx;
  mbedtls_md_init(&ctx);
  int rc = mbedtls_md_setup(&ctx, md_info(d), 0);
  if (rc == 0) rc = mbedtls_md_starts(&ctx);
  if (rc == 0) rc = mbedtls_md_update(&ctx, as_uchar(a.data()), a.size());
  if (rc == 0) rc = mbedtls_md_update(&ctx, as_uchar(b.data()), b.size());
  if (rc == 0) rc = mbedtls_md_finish(&ctx, as_uchar(out.data()));
  mbedtls_md_free(&ctx);
  if (rc != 0) throw std::runtime_error("hash failed");
  return out;
}

bytes hmac(digest d, std::span<const std::byte> key, std::span<const std::byte> data) {
  bytes out(digest_size(d));
  if (mbedtls_md_hmac(md_info(d), as_uchar(key.data()), key.size(), as_uchar(data.data()),
                      data.size(), as_uchar(out.data())) != 0) {
    throw std::runtime_error("HMAC failed");
  }
  return out;
}

bytes pbkdf2(digest d, std::string_view password, std::span<const std::byte> salt,
             std::uint32_t iterations) {
  bytes out(digest_size(d));
  auto* key = as_uchar(out.data());
#if MBEDTLS_VERSION_NUMBER >= 0x03030000
  int rc = mbedtls_pkcs5_pbkdf2_hmac_ext(md_type(d), as_uchar(password.data()), password.size(),
                                         as_uchar(salt.data()), salt.size(), iterations,
                                         static_cast<std::uint32_t>(out.size()), key);
#else
  mbedtls_md_context_t ctx;
  mbedtls_md_init(&ctx);
  int rc = mbedtls_md_setup(&ctx, md_info(d), 1);
  if (rc == 0) {
    rc = mbedtls_pkcs5_pbkdf2_hmac(&ctx, as_uchar(password.data()), password.size(),
                                   as_uchar(salt.data()), salt.size(), iterations,
                                   static_cast<std::uint32_t>(out.size()), key);
  }
  mbedtls_md_free(&ctx);
#endif
  if (rc != 0) throw std::runtime_error("PBKDF2 failed");
  return out;
}

bool equal_constant_time(std::span<const std::byte> a, std::span<const std::byte> b) {
  if (a.size() != b.size()) return false;
  volatile unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<unsigned char>(diff | static_cast<unsigned char>(a[i] ^ b[i]));
  }
  return diff == 0;
}

bytes random_bytes(std::size_t size) {
  std::random_device rd;  // getrandom(2) on Linux with libstdc++
  bytes out(size);
  for (auto& b : out) b = static_cast<std::byte>(rd() & 0xFFu);
  return out;
}

}  // namespace mqtt::broker::auth
