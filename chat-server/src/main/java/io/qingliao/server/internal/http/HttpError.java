package io.qingliao.server.internal.http;

/** An HTTP error answer, thrown inside a handler and written as {@code {"error","message"}}. */
final class HttpError extends RuntimeException {
  private final int status;
  private final String code;

  HttpError(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }

  static HttpError badRequest(String message) {
    return new HttpError(400, "bad_request", message);
  }

  static HttpError notFound(String message) {
    return new HttpError(404, "not_found", message);
  }

  static HttpError methodNotAllowed(String allowed) {
    return new HttpError(405, "method_not_allowed", "allowed: " + allowed);
  }
}
