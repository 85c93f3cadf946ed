#include "kube/watch.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "core/error.h"

namespace keelson::kube {

namespace {

[[noreturn]] void malformed(std::string_view what, simdjson::error_code error) {
  throw Error(ErrorCode::kBadInput,
              fmt::format("watch event: {}: {}", what, simdjson::error_message(error)));
}

[[noreturn]] void malformed(std::string_view what) {
  throw Error(ErrorCode::kBadInput, fmt::format("watch event: {}", what));
}

}  // namespace

std::string_view watchEventTypeName(WatchEventType type) noexcept {
  switch (type) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
    case WatchEventType::kBookmark:
      return "BOOKMARK";
    case WatchEventType::kError:
      return "ERROR";
  }
  return "ERROR";
}

struct WatchEventParser::Impl {
  simdjson::ondemand::parser parser;
  std::string buffer;  // the line, followed by SIMDJSON_PADDING bytes of capacity
};

WatchEventParser::WatchEventParser() : impl_(std::make_unique<Impl>()) {}
WatchEventParser::~WatchEventParser() = default;

WatchEvent WatchEventParser::parse(std::string_view line) {
  std::string& buffer = impl_->buffer;
  buffer.reserve(line.size() + simdjson::SIMDJSON_PADDING);
  buffer.assign(line);
  simdjson::ondemand::parser& parser = impl_->parser;

  WatchEvent event;
  std::string_view object_json;
  {
    simdjson::ondemand::document doc;
    if (auto error = parser.iterate(buffer).get(doc)) malformed("not JSON", error);
    simdjson::ondemand::object root;
    if (auto error = doc.get_object().get(root)) malformed("not a JSON object", error);
    std::string_view type;
    if (auto error = root.find_field_unordered("type").get_string().get(type)) {
      malformed("no type", error);
    }
    if (type == "ADDED") {
      event.type = WatchEventType::kAdded;
    } else if (type == "MODIFIED") {
      event.type = WatchEventType::kModified;
    } else if (type == "DELETED") {
      event.type = WatchEventType::kDeleted;
    } else if (type == "BOOKMARK") {
      event.type = WatchEventType::kBookmark;
    } else if (type == "ERROR") {
      event.type = WatchEventType::kError;
    } else {
      malformed(fmt::format("unknown type \"{}\"", type));
    }
    simdjson::ondemand::object object;
    if (auto error = root.find_field_unordered("object").get_object().get(object)) {
      malformed("no object", error);
    }
    if (auto error = object.raw_json().get(object_json)) malformed("bad object", error);
  }
  event.object_json = object_json;
  if (event.type == WatchEventType::kError) return event;

  // Second pass over the object alone for metadata.resourceVersion. object_json points into
  // `buffer`, so the padding after the line also pads it.
  const auto offset = static_cast<std::size_t>(object_json.data() - buffer.data());
  const simdjson::padded_string_view padded(object_json.data(), object_json.size(),
                                            buffer.capacity() - offset);
  simdjson::ondemand::document object_doc;
  if (auto error = parser.iterate(padded).get(object_doc)) malformed("bad object", error);
  std::string_view resource_version;
  const auto error = object_doc.find_field_unordered("metadata")
                         .find_field_unordered("resourceVersion")
                         .get_string()
                         .get(resource_version);
  if (error && error != simdjson::NO_SUCH_FIELD) {
    malformed("object.metadata.resourceVersion", error);
  }
  event.resource_version = resource_version;
  return event;
}

LineSplitter::LineSplitter(std::size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

void LineSplitter::feed(std::string_view chunk,
                        const std::function<void(std::string_view line)>& on_line) {
  const auto emit = [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) on_line(line);
  };
  while (!chunk.empty()) {
    const auto newline = chunk.find('\n');
    const std::size_t line_end = newline == std::string_view::npos ? chunk.size() : newline;
    if (buffer_.size() + line_end > max_line_bytes_) {
      buffer_.clear();
      throw Error(ErrorCode::kBadInput,
                  fmt::format("stream line longer than {} bytes", max_line_bytes_));
    }
    if (newline == std::string_view::npos) {
      buffer_.append(chunk);
      return;
    }
    if (buffer_.empty()) {
      // Whole line inside this chunk: no copy.
      emit(chunk.substr(0, newline));
    } else {
      buffer_.append(chunk.substr(0, newline));
      // Move the line out first so that a throwing handler leaves the splitter consistent.
      const std::string line = std::move(buffer_);
      buffer_.clear();
      emit(line);
    }
    chunk.remove_prefix(newline + 1);
  }
}

void LineSplitter::finish(const std::function<void(std::string_view line)>& on_line) {
  if (buffer_.empty()) return;
  const std::string line = std::move(buffer_);
  buffer_.clear();
  feed(line + "\n", on_line);
}

}  // namespace keelson::kube
