#include "rung/util/json.hpp"

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "rung/random.hpp"
#include "rung/util/json_fields.hpp"

namespace test_json {

namespace {

using rung::detail::append_json;
using rung::detail::json_error;
using rung::detail::json_kind;
using rung::detail::json_type_error;
using rung::detail::json_value;
using rung::detail::parse_json;

std::string to_json(const json_value& value) {
  std::string text;
  append_json(text, value);
  return text;
}

std::uint64_t bits(double value) { return std::bit_cast<std::uint64_t>(value); }

// Equal, with doubles compared bit for bit (any NaN matches any NaN).
bool identical(const json_value& left, const json_value& right) {
  if (left.kind() != right.kind()) return false;
  switch (left.kind()) {
    case json_kind::real:
      return std::isnan(left.as_double()) ? std::isnan(right.as_double())
                                          : bits(left.as_double()) == bits(right.as_double());
    case json_kind::array: {
      const auto& items = left.as_array();
      if (items.size() != right.as_array().size()) return false;
      for (std::size_t index = 0; index < items.size(); ++index) {
        if (!identical(items[index], right.as_array()[index])) return false;
      }
      return true;
    }
    case json_kind::object: {
      const auto& members = left.as_object();
      if (members.size() != right.as_object().size()) return false;
      for (std::size_t index = 0; index < members.size(); ++index) {
        const auto& other = right.as_object()[index];
        if (members[index].first != other.first || !identical(members[index].second, other.second)) return false;
      }
      return true;
    }
    default: return left == right;
  }
}

struct parse_failure {
  std::string message;
  std::size_t offset;
};

parse_failure failure_of(std::string_view text) {
  try {
    (void)parse_json(text);
  } catch (const json_error& error) {
    return {error.what(), error.offset()};
  }
  return {"(parsed without error)", 0};
}

// UTF-8 written independently of the parser's encoder.
void append_utf8(std::string& out, std::uint32_t code_point) {
  const auto put = [&out](std::uint32_t unit) { out += static_cast<char>(static_cast<unsigned char>(unit)); };
  if (code_point < 0x80) {
    put(code_point);
  } else if (code_point < 0x800) {
    put(0xC0 + (code_point >> 6));
    put(0x80 + (code_point % 64));
  } else if (code_point < 0x10000) {
    put(0xE0 + (code_point >> 12));
    put(0x80 + (code_point >> 6) % 64);
    put(0x80 + (code_point % 64));
  } else {
    put(0xF0 + (code_point >> 18));
    put(0x80 + (code_point >> 12) % 64);
    put(0x80 + (code_point >> 6) % 64);
    put(0x80 + (code_point % 64));
  }
}

void append_u_escape(std::string& out, std::uint32_t unit, bool upper) {
  const char* hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += hex[(unit >> shift) & 0xF];
}

// Random documents, each with a second spelling of the same value: random
// whitespace, and characters written raw, as short escapes or as \u escapes
// (surrogate pairs above U+FFFF) at random.
class document_generator {
 public:
  explicit document_generator(std::uint64_t seed) : random_(seed) {}

  json_value value(int depth, std::string& spelled) {
    whitespace(spelled);
    json_value result;
    const auto kind = random_.index(depth >= 4 ? 5 : 7);
    if (kind == 0) {
      result = random_.index(3) == 0 ? json_value() : json_value(random_.index(2) == 0);
      spelled += result.is_null() ? "null" : result.as_bool() ? "true" : "false";
    } else if (kind == 1 || kind == 2) {
      result = kind == 1 ? json_value(integer()) : json_value(real());
      append_json(spelled, result);
    } else if (kind <= 4) {
      result = string(spelled);
    } else if (kind == 5) {
      json_value::array_type items;
      spelled += '[';
      for (std::size_t count = random_.index(5), index = 0; index < count; ++index) {
        if (index > 0) spelled += ',';
        items.push_back(value(depth + 1, spelled));
      }
      whitespace(spelled);
      spelled += ']';
      result = std::move(items);
    } else {
      result = object(depth, spelled);
    }
    whitespace(spelled);
    return result;
  }

  json_value object(int depth, std::string& spelled) {
    json_value::object_type members;
    spelled += '{';
    for (std::size_t count = random_.index(5), index = 0; index < count; ++index) {
      if (index > 0) spelled += ',';
      whitespace(spelled);
      json_value key = string(spelled);
      whitespace(spelled);
      spelled += ':';
      members.emplace_back(key.as_string(), value(depth + 1, spelled));
    }
    whitespace(spelled);
    spelled += '}';
    return members;
  }

 private:
  void whitespace(std::string& spelled) {
    while (random_.index(4) == 0) spelled += " \t\n\r"[random_.index(4)];
  }

  std::int64_t integer() {
    switch (random_.index(4)) {
      case 0: return random_.uniform_int(-100, 100);
      case 1: return random_.index(2) == 0 ? std::numeric_limits<std::int64_t>::min()
                                            : std::numeric_limits<std::int64_t>::max();
      default: return static_cast<std::int64_t>(random_());
    }
  }

  double real() {
    constexpr double specials[] = {0.0, -0.0, 1.0, -3.0, 0.1, 1e300, 5e-324, 1.7976931348623157e308,
                                   std::numeric_limits<double>::quiet_NaN(),
                                   std::numeric_limits<double>::infinity(),
                                   -std::numeric_limits<double>::infinity()};
    switch (random_.index(3)) {
      case 0: return specials[random_.index(std::size(specials))];
      case 1: return random_.uniform(-1e6, 1e6);
      default: return std::bit_cast<double>(random_());
    }
  }

  json_value string(std::string& spelled) {
    std::string text;
    spelled += '"';
    for (std::size_t count = random_.index(10), index = 0; index < count; ++index) {
      std::uint32_t code_point = 0;
      switch (random_.index(4)) {
        case 0: code_point = static_cast<std::uint32_t>(random_.uniform_int(0x20, 0x7F)); break;
        case 1: code_point = static_cast<std::uint32_t>(random_.uniform_int(0, 0x1F)); break;
        case 2: code_point = static_cast<std::uint32_t>(random_.uniform_int(0x80, 0xFFFF - 0x800)); break;
        default: code_point = static_cast<std::uint32_t>(random_.uniform_int(0x10000, 0x10FFFF));
      }
      if (code_point >= 0xD800 && code_point < 0x10000) code_point += 0x800;  // skip the surrogates
      append_utf8(text, code_point);
      const bool must_escape = code_point < 0x20 || code_point == '"' || code_point == '\\';
      const auto shortened = std::string_view("\"\\/\b\f\n\r\t").find(static_cast<char>(code_point));
      if (code_point < 0x80 && shortened != std::string_view::npos && random_.index(2) == 0) {
        spelled += '\\';
        spelled += "\"\\/bfnrt"[shortened];
      } else if (must_escape || random_.index(2) == 0) {
        const bool upper = random_.index(2) == 0;
        if (code_point < 0x10000) {
          append_u_escape(spelled, code_point, upper);
        } else {
          append_u_escape(spelled, 0xD800 + ((code_point - 0x10000) >> 10), upper);
          append_u_escape(spelled, 0xDC00 + ((code_point - 0x10000) & 0x3FF), upper);
        }
      } else {
        append_utf8(spelled, code_point);
      }
    }
    spelled += '"';
    return text;
  }

  rung::random_stream random_;
};

}  // namespace

TEST_CASE("parse_json reads every kind of value") {
  const json_value document = parse_json(
      R"( {"null": null, "yes": true, "no": false, "count": -42, "rate": 0.25,)"
      R"( "name": "lenet", "list": [1, [], {}], "empty": {}} )");
  REQUIRE(document.is_object());
  CHECK(document.as_object().size() == 8);
  CHECK(document.as_object()[0].first == "null");
  CHECK(document.find("null")->is_null());
  CHECK(document.find("yes")->as_bool());
  CHECK_FALSE(document.find("no")->as_bool());
  CHECK(document.find("count")->as_int64() == -42);
  CHECK(document.find("rate")->as_double() == 0.25);
  CHECK(document.find("name")->as_string() == "lenet");
  const auto& list = document.find("list")->as_array();
  REQUIRE(list.size() == 3);
  CHECK(list[0].as_int64() == 1);
  CHECK(list[1].as_array().empty());
  CHECK(list[2].as_object().empty());
  CHECK(document.find("empty")->is_object());
  CHECK(document.find("missing") == nullptr);
  CHECK(parse_json("[]").as_array().empty());
  CHECK(parse_json(" \t\r\n7\n").as_int64() == 7);
  CHECK(parse_json(R"("")").as_string().empty());
}

TEST_CASE("accessors name the kind they wanted and the kind they found") {
  CHECK_THROWS_WITH_AS((void)parse_json("1.5").as_int64(), "JSON: expected an integer, got a floating-point number",
                       json_type_error);
  CHECK_THROWS_WITH_AS((void)parse_json("[1]").find("a"), "JSON: expected an object, got an array", json_type_error);
  CHECK_THROWS_WITH_AS((void)parse_json("null").as_string(), "JSON: expected a string, got null", json_type_error);
  CHECK(parse_json("3").as_double() == 3.0);
  CHECK(parse_json("3").is_number());
  CHECK_FALSE(parse_json("\"3\"").is_number());
}

TEST_CASE("duplicate keys keep document order and the last one wins, as in Python") {
  const json_value document = parse_json(R"({"a": 1, "b": 2, "a": 3})");
  CHECK(document.as_object().size() == 3);
  CHECK(document.find("a")->as_int64() == 3);
  CHECK(to_json(document) == R"({"a":1,"b":2,"a":3})");
}

TEST_CASE("integers that fit int64 stay integers; '.', 'e' or 'E' make a double") {
  CHECK(parse_json("0").as_int64() == 0);
  CHECK(parse_json("-17").as_int64() == -17);
  CHECK(parse_json("9223372036854775807").as_int64() == std::numeric_limits<std::int64_t>::max());
  CHECK(parse_json("-9223372036854775808").as_int64() == std::numeric_limits<std::int64_t>::min());
  CHECK(parse_json("9223372036854775808").is_double());
  CHECK(parse_json("9223372036854775808").as_double() == 9223372036854775808.0);
  CHECK(parse_json("-9223372036854775809").is_double());
  CHECK(parse_json("1.0").is_double());
  CHECK(parse_json("1e2").as_double() == 100.0);
  CHECK(parse_json("1E-2").as_double() == 0.01);
  CHECK(parse_json("2.5e+3").as_double() == 2500.0);
  // append_number writes -0.0 as "-0"; only a double can carry the sign.
  CHECK(parse_json("-0").is_double());
  CHECK(std::signbit(parse_json("-0").as_double()));
  // Beyond the range of double, as Python reads them.
  CHECK(parse_json("1e400").as_double() == std::numeric_limits<double>::infinity());
  CHECK(parse_json("-1e400").as_double() == -std::numeric_limits<double>::infinity());
  CHECK(bits(parse_json("1e-400").as_double()) == bits(0.0));
  CHECK(bits(parse_json("-0.0001e-399").as_double()) == bits(-0.0));
  CHECK(parse_json("0.000001e-320").as_double() == 0.0);
  CHECK(parse_json("100000000000000000000e-330").as_double() == 1e-310);
}

TEST_CASE("NaN, Infinity and -Infinity, as Python's json module writes them") {
  CHECK(std::isnan(parse_json("NaN").as_double()));
  CHECK(parse_json("Infinity").as_double() == std::numeric_limits<double>::infinity());
  CHECK(parse_json("-Infinity").as_double() == -std::numeric_limits<double>::infinity());
  CHECK(to_json(parse_json("[NaN,Infinity,-Infinity]")) == "[NaN,Infinity,-Infinity]");
}

TEST_CASE("string escapes, \\u escapes and surrogate pairs decode to UTF-8") {
  CHECK(parse_json(R"("\"\\\/\b\f\n\r\t")").as_string() == "\"\\/\b\f\n\r\t");
  CHECK(parse_json(R"("\u0041\u00e9\u20AC")").as_string() == "A\xC3\xA9\xE2\x82\xAC");
  CHECK(parse_json(R"("\u0000")").as_string() == std::string(1, '\0'));
  CHECK(parse_json(R"("\ud83d\ude00")").as_string() == "\xF0\x9F\x98\x80");
  CHECK(parse_json(R"("\uDBFF\uDFFF")").as_string() == "\xF4\x8F\xBF\xBF");
  CHECK(parse_json(R"("\u07ff\u0800\uffff")").as_string() == "\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF");
  CHECK(parse_json("\"caf\xC3\xA9 \xF0\x9F\x98\x80\"").as_string() == "caf\xC3\xA9 \xF0\x9F\x98\x80");
  CHECK(parse_json(R"("a\nb\u0001c")").as_string() == "a\nb\x01" "c");
}

TEST_CASE("append_json writes what parse_json reads back") {
  const std::string text =
      R"({"event":"report","trial_id":12345,"time":1.25,"resource":3,"metrics":{"error":0.25},)"
      R"("decision":"CONTINUE","tags":[null,true,false,"a\"b\\c\n\u0001"],"nan":NaN})";
  CHECK(to_json(parse_json(text)) == text);
  // A double that prints like an integer keeps a ".0", so it stays a double.
  CHECK(to_json(json_value(3.0)) == "3.0");
  CHECK(to_json(json_value(-0.0)) == "-0.0");
  CHECK(to_json(json_value(1e100)) == "1e+100");
  CHECK(parse_json(to_json(json_value(3.0))).is_double());
  CHECK(to_json(json_value(std::numeric_limits<std::uint64_t>::max())) == "18446744073709551616.0");
}

TEST_CASE("to_scalar_value keeps integers, doubles and strings and nothing else") {
  CHECK(rung::detail::to_scalar_value(parse_json("7")) == rung::scalar_value(std::int64_t{7}));
  CHECK(rung::detail::to_scalar_value(parse_json("7.5")) == rung::scalar_value(7.5));
  CHECK(rung::detail::to_scalar_value(parse_json("\"adam\"")) == rung::scalar_value(std::string("adam")));
  for (const char* other : {"null", "true", "[]", "{}"}) {
    CAPTURE(other);
    CHECK_FALSE(rung::detail::to_scalar_value(parse_json(other)).has_value());
  }
}

TEST_CASE("malformed text names what was expected and the byte offset") {
  const std::string too_deep = std::string(257, '[') + std::string(257, ']');
  const std::string deep_enough = std::string(256, '[') + std::string(256, ']');
  CHECK(parse_json(deep_enough).is_array());
  const struct {
    std::string text;
    std::string message;
    std::size_t offset;
  } cases[] = {
      {"", "JSON: expected a value at offset 0", 0},
      {"   ", "JSON: expected a value at offset 3", 3},
      {R"({"a":1)", "JSON: expected ',' or '}' at offset 6", 6},
      {R"({"a":1, "b":2 "c":3})", "JSON: expected ',' or '}' at offset 14", 14},
      {"[1,2", "JSON: expected ',' or ']' at offset 4", 4},
      {R"("abc)", "JSON: expected '\"' to end the string at offset 4", 4},
      {R"("abc\)", "JSON: expected '\"' to end the string at offset 4", 4},
      {"[1,]", "JSON: expected a value at offset 3", 3},
      {R"({"a":1,})", "JSON: expected a string key at offset 7", 7},
      {"{a:1}", "JSON: expected a string key at offset 1", 1},
      {R"({"a" 1})", "JSON: expected ':' at offset 5", 5},
      {"1 2", "JSON: expected end of input at offset 2", 2},
      {"{} x", "JSON: expected end of input at offset 3", 3},
      {"01", "JSON: leading zero in a number at offset 1", 1},
      {"[-007]", "JSON: leading zero in a number at offset 3", 3},
      {"-", "JSON: expected a digit after '-' at offset 1", 1},
      {"-NaN", "JSON: expected a digit after '-' at offset 1", 1},
      {"1.", "JSON: expected a digit after '.' at offset 2", 2},
      {".5", "JSON: expected a value at offset 0", 0},
      {"+1", "JSON: expected a value at offset 0", 0},
      {"1e+", "JSON: expected a digit in the exponent at offset 3", 3},
      {"tru", "JSON: expected 'true' at offset 0", 0},
      {"[nan]", "JSON: expected 'null' at offset 1", 1},
      {"infinity", "JSON: expected a value at offset 0", 0},
      {R"(["ok", "\q"])", "JSON: invalid escape at offset 8", 8},
      {R"("\x41")", "JSON: invalid escape at offset 1", 1},
      {R"("\u12G4")", "JSON: expected 4 hex digits after \\u at offset 1", 1},
      {R"("\u12")", "JSON: expected 4 hex digits after \\u at offset 1", 1},
      {R"("\ud800")", "JSON: unpaired surrogate in \\u escape at offset 1", 1},
      {R"("\ud800\u0041")", "JSON: unpaired surrogate in \\u escape at offset 1", 1},
      {R"("a\udc00")", "JSON: unpaired surrogate in \\u escape at offset 2", 2},
      {"\"a\tb\"", "JSON: unescaped control character in a string at offset 2", 2},
      {"\"caf\xE9\"", "JSON: invalid UTF-8 in a string at offset 4", 4},              // Latin-1
      {"\"\xC3\"", "JSON: invalid UTF-8 in a string at offset 1", 1},                // truncated
      {"\"\xC0\xAF\"", "JSON: invalid UTF-8 in a string at offset 1", 1},            // overlong
      {"\"\xED\xA0\x80\"", "JSON: invalid UTF-8 in a string at offset 1", 1},        // surrogate
      {"\"\xF4\x90\x80\x80\"", "JSON: invalid UTF-8 in a string at offset 1", 1},    // > U+10FFFF
      {"\"ok\xE2\x82\"", "JSON: invalid UTF-8 in a string at offset 3", 3},          // cut short
      {"\xEF\xBB\xBF{}", "JSON: expected a value at offset 0", 0},                   // byte-order mark
      {too_deep, "JSON: nesting deeper than 256 at offset 256", 256},
      {"{\n  \"a\": [1,\n    2,]\n}", "JSON: expected a value at offset 19 (line 3, column 7)", 19},
  };
  for (const auto& [text, message, offset] : cases) {
    CAPTURE(text);
    const parse_failure failure = failure_of(text);
    CHECK(failure.message == message);
    CHECK(failure.offset == offset);
  }
}

TEST_CASE("json_error keeps the offset, line and column") {
  try {
    (void)parse_json("[1,\n 2\n x]");
    FAIL("parsed malformed text");
  } catch (const json_error& error) {
    CHECK(error.offset() == 8);
    CHECK(error.line() == 3);
    CHECK(error.column() == 2);
  }
}

TEST_CASE("doubles round-trip bit for bit through append_number and append_json") {
  rung::random_stream random(20240611);
  for (int draw = 0; draw < 20000; ++draw) {
    const double value = std::bit_cast<double>(random());
    if (std::isnan(value)) continue;
    std::string plain;
    rung::detail::append_number(plain, value);
    CAPTURE(plain);
    CHECK(bits(parse_json(plain).as_double()) == bits(value));
    const json_value read_back = parse_json(to_json(json_value(value)));
    CHECK(read_back.is_double());
    CHECK(bits(read_back.as_double()) == bits(value));
  }
}

TEST_CASE("random documents round-trip, in either spelling") {
  document_generator generator(42);
  for (int draw = 0; draw < 1500; ++draw) {
    std::string spelled;
    const json_value document = generator.value(0, spelled);
    const std::string canonical = to_json(document);
    CAPTURE(spelled);
    const json_value from_spelled = parse_json(spelled);
    const json_value from_canonical = parse_json(canonical);
    CHECK(identical(from_spelled, document));
    CHECK(identical(from_canonical, document));
    CHECK(to_json(from_canonical) == canonical);
  }
}

TEST_CASE("every proper prefix of an object is malformed") {
  document_generator generator(7);
  for (int draw = 0; draw < 40; ++draw) {
    std::string spelled;
    const std::string text = to_json(generator.object(0, spelled));
    for (std::size_t length = 0; length < text.size(); ++length) {
      CAPTURE(text.substr(0, length));
      CHECK_THROWS_AS((void)parse_json(std::string_view(text).substr(0, length)), json_error);
    }
  }
}

TEST_CASE("corrupted documents parse or throw json_error, nothing else") {
  document_generator generator(99);
  rung::random_stream random(5);
  int accepted = 0;
  int rejected = 0;
  for (int draw = 0; draw < 3000; ++draw) {
    std::string spelled;
    std::string text = to_json(generator.object(0, spelled));
    text[random.index(text.size())] = static_cast<char>(random.uniform_int(0, 255));
    try {
      const json_value document = parse_json(text);
      CHECK(identical(parse_json(to_json(document)), document));
      ++accepted;
    } catch (const json_error&) {
      ++rejected;
    }
  }
  CHECK(accepted > 100);
  CHECK(rejected > 1000);
}

TEST_CASE("json_fields: a settings object with a key given twice is refused, naming the key") {
  const json_value settings = parse_json(R"({"n_workers": 4, "seed": 1, "n_workers": -3})");
  CHECK_THROWS_WITH_AS(rung::detail::json_fields(&settings, "tune.json.tuner"),
                       "tune.json.tuner.n_workers: given twice (each field may appear once)", std::invalid_argument);
  const json_value distinct = parse_json(R"({"b": 1, "a": 2})");
  CHECK_NOTHROW(rung::detail::json_fields(&distinct, "tune.json.tuner"));
}

TEST_CASE("json_fields: ranged integers and numbers are checked before use, naming the value found") {
  const json_value settings =
      parse_json(R"({"n": -3, "big": 1e15, "ok": 7, "t": 1e300, "inf": Infinity, "nan": NaN, "half": 0.5})");
  rung::detail::json_fields fields(&settings, "f");
  CHECK_THROWS_WITH_AS(fields.integer("n", 1, 100000), "f.n = -3: must be a whole number from 1 to 100000",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(fields.integer("big", 1, 100000),
                       "f.big = 1e+15: must be a whole number from 1 to 100000", std::invalid_argument);
  CHECK(fields.integer("ok", 1, 100000) == 7);
  CHECK(!fields.integer("absent", 1, 2));
  CHECK_THROWS_WITH_AS(fields.number("t", 0, 1e9), "f.t = 1e+300: must be a number from 0 to 1e+09",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(fields.number("inf", 0, 1e9), "f.inf = Infinity: must be a number from 0 to 1e+09",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(fields.number("nan", 0, 1e9), "f.nan = NaN: must be a number from 0 to 1e+09",
                       std::invalid_argument);
  CHECK(fields.number("half", 0, 1e9) == 0.5);
}

}  // namespace test_json
