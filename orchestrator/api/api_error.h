#pragma once
// An error the API answers with: an HTTP status and a message for the client. Thrown anywhere in a
// handler and turned into the reference tool's error envelope by the router.
#include <stdexcept>
#include <string>

namespace mm::api {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

}  // namespace mm::api
