//! Schema-valid, realistic-looking sample data from the IR's JSON Schemas,
//! deterministic under a seed. Used by the mock (responses), by request
//! generation (tests, `specforge verify`) and anywhere a value of a schema is needed.
//!
//! It honours type, format, enum/const, numeric bounds and `multipleOf`, string
//! lengths and `pattern` (generated with `rand_regex`), array bounds and
//! `uniqueItems`, required/optional properties, `additionalProperties`,
//! nullable types, `oneOf`/`anyOf`/`allOf` (with discriminators), and
//! `readOnly`/`writeOnly` by direction. Recursion is cut off by depth. Values
//! look real: `fake` is keyed on property names (email, name, login, url,
//! avatar, created/updated times, ids) and formats.

use crate::check::Direction;
use base64::Engine as _;
use fake::Fake;
use indexmap::IndexMap;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Number, Value};

/// Depth beyond which optional properties are left out and arrays kept minimal.
const MAX_DEPTH: usize = 6;

/// A stable 64-bit hash (FNV-1a) for seeds: the same on every platform and Rust version.
pub fn stable_hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.as_bytes().iter().chain(std::iter::once(&0xff)) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Generates values for schemas that refer to `defs` (`#/$defs/NAME`).
pub struct Generator<'d> {
    defs: &'d IndexMap<String, Value>,
    rng: ChaCha8Rng,
    direction: Direction,
}

impl<'d> Generator<'d> {
    /// A generator seeded with `seed`, for values travelling in `direction`.
    pub fn new(defs: &'d IndexMap<String, Value>, seed: u64, direction: Direction) -> Self {
        Self {
            defs,
            rng: ChaCha8Rng::seed_from_u64(seed),
            direction,
        }
    }

    /// A value of `schema`.
    pub fn value(&mut self, schema: &Value) -> Value {
        self.gen(schema, None, 0)
    }

    /// A value of `schema` for a property or parameter called `name` (names steer realism).
    pub fn value_named(&mut self, schema: &Value, name: &str) -> Value {
        self.gen(schema, Some(name), 0)
    }

    /// Random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.rng.random()).collect()
    }

    /// A sentence of filler text.
    pub fn sentence(&mut self) -> String {
        fake::faker::lorem::en::Sentence(3..8).fake_with_rng(&mut self.rng)
    }

    fn resolve<'s>(&self, schema: &'s Value) -> Option<&'s Value>
    where
        'd: 's,
    {
        let r = schema.get("$ref")?.as_str()?;
        let name = r.strip_prefix("#/$defs/")?;
        self.defs.get(&specforge::diagnostics::unescape_token(name))
    }

    /// `schema` with its `$ref` replaced by the target's keywords (siblings win).
    fn flatten(&self, schema: &Value) -> Value {
        let mut cur = schema.clone();
        for _ in 0..16 {
            let Some(target) = self.resolve(&cur).cloned() else {
                break;
            };
            let mut merged = match target {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            if let Value::Object(m) = &cur {
                for (k, v) in m {
                    if k != "$ref" {
                        merged.insert(k.clone(), v.clone());
                    }
                }
            }
            cur = Value::Object(merged);
        }
        // allOf: merge every part into one schema
        if let Some(Value::Array(parts)) = cur.get("allOf").cloned() {
            let mut merged = cur.as_object().cloned().unwrap_or_default();
            merged.remove("allOf");
            for part in parts {
                let part = self.flatten(&part);
                merge_into(&mut merged, part);
            }
            cur = Value::Object(merged);
        }
        cur
    }

    fn gen(&mut self, schema: &Value, name: Option<&str>, depth: usize) -> Value {
        let s = self.flatten(schema);
        let Some(obj) = s.as_object() else {
            return json!("value");
        };
        if let Some(c) = obj.get("const") {
            return c.clone();
        }
        if let Some(Value::Array(values)) = obj.get("enum") {
            let non_null: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
            if let Some(v) = self.pick(&non_null) {
                return (*v).clone();
            }
            return values.first().cloned().unwrap_or(Value::Null);
        }
        if let Some(not) = obj.get("not") {
            // draw until the value does not match the `not` schema
            let mut rest = obj.clone();
            rest.remove("not");
            let doc = json!({ "$defs": self.defs, "allOf": [not] });
            let mut last = Value::Null;
            for _ in 0..10 {
                last = self.gen(&Value::Object(rest.clone()), name, depth);
                if !jsonschema::is_valid(&doc, &last) {
                    break;
                }
            }
            return last;
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = obj.get(key) {
                return self.union(obj, branches, name, depth);
            }
        }
        let ty = self.choose_type(obj);
        match ty.as_deref() {
            Some("null") => Value::Null,
            Some("boolean") => Value::Bool(self.rng.random()),
            Some("integer") => self.integer(obj, name),
            Some("number") => self.number(obj, name),
            Some("string") => Value::String(self.string(obj, name)),
            Some("array") => self.array(obj, name, depth),
            Some("object") => self.object(obj, depth),
            _ => Value::String(self.words(1, 2)),
        }
    }

    fn pick<'v, T>(&mut self, items: &'v [T]) -> Option<&'v T> {
        if items.is_empty() {
            None
        } else {
            Some(&items[self.rng.random_range(0..items.len())])
        }
    }

    fn choose_type(&mut self, obj: &Map<String, Value>) -> Option<String> {
        match obj.get("type") {
            Some(Value::String(t)) => Some(t.clone()),
            Some(Value::Array(ts)) => {
                let non_null: Vec<&str> = ts
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|t| *t != "null")
                    .collect();
                // nullable: mostly a value, sometimes null
                if non_null.is_empty()
                    || (ts.iter().any(|t| t == "null") && self.rng.random_ratio(1, 10))
                {
                    return Some("null".into());
                }
                self.pick(&non_null).map(|t| t.to_string())
            }
            _ => {
                if obj.contains_key("properties")
                    || obj.contains_key("additionalProperties")
                    || obj.contains_key("required")
                {
                    Some("object".into())
                } else if obj.contains_key("items") {
                    Some("array".into())
                } else if obj.contains_key("minimum") || obj.contains_key("maximum") {
                    Some("number".into())
                } else if obj.contains_key("format")
                    || obj.contains_key("pattern")
                    || obj.contains_key("minLength")
                {
                    Some("string".into())
                } else {
                    None
                }
            }
        }
    }

    fn union(
        &mut self,
        obj: &Map<String, Value>,
        branches: &[Value],
        name: Option<&str>,
        depth: usize,
    ) -> Value {
        // prefer branches that are not recursive beyond the depth limit
        let i = self.rng.random_range(0..branches.len().max(1));
        let Some(branch) = branches.get(i) else {
            return Value::Null;
        };
        // properties beside the union apply to every branch
        let mut base = obj.clone();
        base.remove("oneOf");
        base.remove("anyOf");
        let discriminator = base.remove("discriminator");
        let mut combined = base;
        merge_into(&mut combined, self.flatten(branch));
        let mut value = self.gen(&Value::Object(combined), name, depth);
        if let (Some(d), Value::Object(map)) = (discriminator, &mut value) {
            if let Some(prop) = d.get("propertyName").and_then(Value::as_str) {
                let r = branch.get("$ref").and_then(Value::as_str).unwrap_or("");
                let tag = d
                    .get("mapping")
                    .and_then(Value::as_object)
                    .and_then(|m| {
                        m.iter()
                            .find(|(_, v)| v.as_str() == Some(r))
                            .map(|(k, _)| k.clone())
                    })
                    .or_else(|| {
                        r.rsplit('/')
                            .next()
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                    });
                if let Some(tag) = tag {
                    map.insert(prop.to_string(), Value::String(tag));
                }
            }
        }
        value
    }

    fn bounds(obj: &Map<String, Value>) -> (Option<f64>, bool, Option<f64>, bool) {
        let num = |k: &str| obj.get(k).and_then(Value::as_f64);
        let (mut lo, mut lo_ex) = (num("minimum"), false);
        if let Some(x) = num("exclusiveMinimum") {
            lo = Some(x);
            lo_ex = true;
        }
        let (mut hi, mut hi_ex) = (num("maximum"), false);
        if let Some(x) = num("exclusiveMaximum") {
            hi = Some(x);
            hi_ex = true;
        }
        (lo, lo_ex, hi, hi_ex)
    }

    fn integer(&mut self, obj: &Map<String, Value>, name: Option<&str>) -> Value {
        let (lo, lo_ex, hi, hi_ex) = Self::bounds(obj);
        // a bound that is only the format's own range is no preference
        let (flo, fhi) = match obj.get("format").and_then(Value::as_str) {
            Some("int32") => (f64::from(i32::MIN), f64::from(i32::MAX)),
            _ => (i64::MIN as f64, i64::MAX as f64),
        };
        let lo = lo.filter(|l| *l > flo);
        let hi = hi.filter(|h| *h < fhi);
        let lname = name.unwrap_or("").to_ascii_lowercase();
        let (dlo, dhi): (i64, i64) = if lname.ends_with("_at")
            || lname == "created"
            || lname == "updated"
            || lname == "started"
            || lname == "finished"
            || lname.contains("time")
        {
            (1_500_000_000, 1_750_000_000)
        } else if lname == "id" || lname.ends_with("_id") || lname.ends_with("id") {
            (1, 100_000)
        } else if lname.contains("port") {
            (1024, 65535)
        } else {
            (0, 1000)
        };
        let fmt_hi = if obj.get("format").and_then(Value::as_str) == Some("int32") {
            i64::from(i32::MAX)
        } else {
            i64::MAX / 2
        };
        let fmt_lo = if obj.get("format").and_then(Value::as_str) == Some("int32") {
            i64::from(i32::MIN)
        } else {
            i64::MIN / 2
        };
        let mut min = lo
            .map(|l| {
                if lo_ex {
                    l.floor() as i64 + 1
                } else {
                    l.ceil() as i64
                }
            })
            .unwrap_or(dlo)
            .max(fmt_lo);
        let mut max = hi
            .map(|h| {
                if hi_ex {
                    h.ceil() as i64 - 1
                } else {
                    h.floor() as i64
                }
            })
            .unwrap_or(dhi)
            .min(fmt_hi);
        if lo.is_some() && hi.is_none() {
            max = min.saturating_add((dhi - dlo).max(100));
        }
        if hi.is_some() && lo.is_none() {
            min = max.saturating_sub((dhi - dlo).max(100));
        }
        if min > max {
            return Value::from(min);
        }
        let mut v = self.rng.random_range(min..=max);
        if let Some(m) = obj
            .get("multipleOf")
            .and_then(Value::as_f64)
            .filter(|m| *m >= 1.0)
        {
            let m = m as i64;
            v = (v / m) * m;
            if v < min {
                v += m;
            }
        }
        Value::from(v)
    }

    fn number(&mut self, obj: &Map<String, Value>, name: Option<&str>) -> Value {
        let (lo, lo_ex, hi, hi_ex) = Self::bounds(obj);
        let _ = name;
        let mut min = lo.unwrap_or(0.0);
        let mut max = hi.unwrap_or(min.max(0.0) + 1000.0);
        if hi.is_some() && lo.is_none() {
            min = max - 1000.0;
        }
        let span = (max - min).abs();
        if lo_ex {
            min += span.min(1.0) * 0.01;
        }
        if hi_ex {
            max -= span.min(1.0) * 0.01;
        }
        let mut v = if max > min {
            self.rng.random_range(min..max)
        } else {
            min
        };
        if let Some(m) = obj
            .get("multipleOf")
            .and_then(Value::as_f64)
            .filter(|m| *m > 0.0)
        {
            v = (v / m).round() * m;
            if v < min {
                v += m;
            }
            if v > max {
                v -= m;
            }
        } else {
            v = (v * 100.0).round() / 100.0;
            if v < min || v > max {
                v = (min + max) / 2.0;
            }
        }
        Number::from_f64(v)
            .map(Value::Number)
            .unwrap_or_else(|| Value::from(0))
    }

    fn words(&mut self, min: usize, max: usize) -> String {
        let w: Vec<String> =
            fake::faker::lorem::en::Words(min..max + 1).fake_with_rng(&mut self.rng);
        w.join(" ")
    }

    fn string(&mut self, obj: &Map<String, Value>, name: Option<&str>) -> String {
        let min_len = obj
            .get("minLength")
            .and_then(Value::as_u64)
            .map(|n| n as usize);
        let max_len = obj
            .get("maxLength")
            .and_then(Value::as_u64)
            .map(|n| n as usize);
        if let Some(p) = obj.get("pattern").and_then(Value::as_str) {
            if let Some(s) = self.pattern_string(p, min_len, max_len) {
                return s;
            }
        }
        let format = obj.get("format").and_then(Value::as_str).unwrap_or("");
        let mut s = match format {
            "date-time" => self
                .datetime()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "date" => self.datetime().format("%Y-%m-%d").to_string(),
            "time" => self.datetime().format("%H:%M:%SZ").to_string(),
            "uuid" => self.uuid(),
            "email" | "idn-email" => {
                fake::faker::internet::en::SafeEmail().fake_with_rng(&mut self.rng)
            }
            "uri" | "url" | "iri" => format!("https://example.com/{}", self.slug()),
            "uri-reference" | "iri-reference" => format!("/{}", self.slug()),
            "hostname" | "idn-hostname" => format!("{}.example.com", self.slug()),
            "ipv4" => fake::faker::internet::en::IPv4().fake_with_rng(&mut self.rng),
            "ipv6" => fake::faker::internet::en::IPv6().fake_with_rng(&mut self.rng),
            "byte" => {
                let n = self.rng.random_range(4..16);
                let b = self.bytes(n);
                base64::engine::general_purpose::STANDARD.encode(b)
            }
            "binary" => self.words(1, 3),
            "password" => fake::faker::internet::en::Password(10..16).fake_with_rng(&mut self.rng),
            "duration" => format!("PT{}M", self.rng.random_range(1..90)),
            "int32" | "int64" => self.rng.random_range(0..1000).to_string(),
            _ => self.by_name(name),
        };
        let fixed_shape = !matches!(format, "" | "binary" | "password");
        if let Some(max) = max_len {
            if s.chars().count() > max && !fixed_shape {
                s = s.chars().take(max).collect();
            }
        }
        if let Some(min) = min_len {
            while s.chars().count() < min {
                s.push(char::from(b'a' + self.rng.random_range(0..26u8)));
            }
        }
        s
    }

    fn by_name(&mut self, name: Option<&str>) -> String {
        let n = name.unwrap_or("").to_ascii_lowercase();
        let has = |w: &str| n.contains(w);
        if has("email") {
            fake::faker::internet::en::SafeEmail().fake_with_rng(&mut self.rng)
        } else if has("avatar") || has("image") || has("icon") {
            format!(
                "https://avatars.example.com/u/{}.png",
                self.rng.random_range(1..100_000)
            )
        } else if has("url") || has("uri") || has("link") || has("href") || has("homepage") {
            format!("https://example.com/{}", self.slug())
        } else if has("login")
            || has("username")
            || has("user_name")
            || n == "user"
            || has("owner")
            || has("author")
        {
            fake::faker::internet::en::Username().fake_with_rng(&mut self.rng)
        } else if has("first_name") || has("firstname") {
            fake::faker::name::en::FirstName().fake_with_rng(&mut self.rng)
        } else if has("last_name") || has("lastname") {
            fake::faker::name::en::LastName().fake_with_rng(&mut self.rng)
        } else if n == "name" || has("full_name") || has("display") {
            fake::faker::name::en::Name().fake_with_rng(&mut self.rng)
        } else if has("created")
            || has("updated")
            || n.ends_with("_at")
            || has("date")
            || has("time")
        {
            self.datetime()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        } else if n == "id" || n.ends_with("_id") || n.ends_with("id") || has("uuid") {
            self.uuid()
        } else if has("sha") || has("commit") || has("hash") || has("digest") {
            let b = self.bytes(20);
            b.iter().map(|x| format!("{x:02x}")).collect()
        } else if has("phone") {
            fake::faker::phone_number::en::PhoneNumber().fake_with_rng(&mut self.rng)
        } else if has("city") {
            fake::faker::address::en::CityName().fake_with_rng(&mut self.rng)
        } else if has("country") {
            fake::faker::address::en::CountryName().fake_with_rng(&mut self.rng)
        } else if has("company") || has("org") {
            fake::faker::company::en::CompanyName().fake_with_rng(&mut self.rng)
        } else if has("description")
            || has("message")
            || has("summary")
            || has("comment")
            || has("note")
            || has("text")
        {
            self.sentence()
        } else if has("branch") {
            ["main", "develop", "release/1.2", "feature/login"][self.rng.random_range(0..4)]
                .to_string()
        } else if has("version") {
            format!(
                "{}.{}.{}",
                self.rng.random_range(0..5),
                self.rng.random_range(0..20),
                self.rng.random_range(0..10)
            )
        } else if has("token") || has("secret") || has("password") || has("key") {
            let b = self.bytes(16);
            b.iter().map(|x| format!("{x:02x}")).collect()
        } else {
            self.words(1, 3)
        }
    }

    fn slug(&mut self) -> String {
        let w: Vec<String> = fake::faker::lorem::en::Words(1..3).fake_with_rng(&mut self.rng);
        w.join("-")
    }

    fn uuid(&mut self) -> String {
        let mut b = self.bytes(16);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }

    fn datetime(&mut self) -> chrono::DateTime<chrono::Utc> {
        let secs = self.rng.random_range(1_500_000_000i64..1_750_000_000);
        chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default()
    }

    fn pattern_string(
        &mut self,
        pattern: &str,
        min: Option<usize>,
        max: Option<usize>,
    ) -> Option<String> {
        let first = max.map(|m| m.clamp(1, 16) as u32).unwrap_or(8);
        // rand_regex refuses anchors; a generated string is a whole match anyway
        let mut pattern = pattern.strip_prefix('^').unwrap_or(pattern);
        if pattern.ends_with('$') && !pattern.ends_with("\\$") {
            pattern = &pattern[..pattern.len() - 1];
        }
        // shorter repetitions until the length limits are met
        for max_repeat in [first, 4, 2, 1] {
            // ECMA-262 classes (\\d, \\w, \\s) are ASCII: parse without Unicode where possible
            let ascii = regex_syntax::ParserBuilder::new()
                .unicode(false)
                .utf8(false)
                .build()
                .parse(pattern)
                .ok()
                .map(ascii_only);
            let regex =
                match ascii.and_then(|hir| rand_regex::Regex::with_hir(hir, max_repeat).ok()) {
                    Some(r) => r,
                    None => rand_regex::Regex::compile(pattern, max_repeat).ok()?,
                };
            for _ in 0..10 {
                // bytes, then text: a class that still allows a non-ASCII byte never
                // panics the sampler, the draw is just tried again
                let bytes: Vec<u8> = self.rng.sample(&regex);
                let Ok(s) = String::from_utf8(bytes) else {
                    continue;
                };
                let n = s.chars().count();
                if min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m) {
                    return Some(s);
                }
            }
        }
        None
    }

    fn array(&mut self, obj: &Map<String, Value>, name: Option<&str>, depth: usize) -> Value {
        let min = obj.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = obj
            .get("maxItems")
            .and_then(Value::as_u64)
            .map(|m| m as usize)
            .unwrap_or(min.max(3))
            .max(min);
        let want = if depth >= MAX_DEPTH {
            min
        } else {
            self.rng
                .random_range(min.max(1).min(max)..=max.min(min.max(1) + 2).max(min))
        };
        let items = obj.get("items").cloned().unwrap_or(json!({}));
        let item_name = name.map(specforge::ir::naming::singular);
        let unique = obj.get("uniqueItems") == Some(&Value::Bool(true));
        let mut out: Vec<Value> = Vec::new();
        let mut attempts = 0;
        while out.len() < want && attempts < want * 10 + 10 {
            attempts += 1;
            let v = self.gen(&items, item_name.as_deref(), depth + 1);
            if unique && out.contains(&v) {
                continue;
            }
            out.push(v);
        }
        Value::Array(out)
    }

    fn object(&mut self, obj: &Map<String, Value>, depth: usize) -> Value {
        let mut out = Map::new();
        let required: Vec<&str> = obj
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let skip_flag = match self.direction {
            Direction::Request => "readOnly",
            Direction::Response => "writeOnly",
        };
        if let Some(Value::Object(props)) = obj.get("properties") {
            for (pname, pschema) in props {
                let is_required = required.contains(&pname.as_str());
                let flat = self.flatten(pschema);
                // `false` or `{not: {}}`: the property must be absent
                if *pschema == Value::Bool(false)
                    || flat.get("not").is_some_and(|n| {
                        n.as_object().is_some_and(Map::is_empty) || *n == Value::Bool(true)
                    })
                {
                    continue;
                }
                if !is_required && flat.get(skip_flag) == Some(&Value::Bool(true)) {
                    continue;
                }
                let keep = is_required
                    || match depth {
                        0..=2 => self.rng.random_ratio(4, 5),
                        3..MAX_DEPTH => self.rng.random_ratio(1, 3),
                        _ => false,
                    };
                if keep {
                    let v = self.gen(pschema, Some(pname), depth + 1);
                    out.insert(pname.clone(), v);
                }
            }
        }
        // required properties without a schema
        for r in &required {
            if !out.contains_key(*r) {
                out.insert((*r).to_string(), Value::String(self.words(1, 2)));
            }
        }
        if let Some(ap) = obj.get("additionalProperties").filter(|a| a.is_object()) {
            if obj.get("properties").is_none() && depth < MAX_DEPTH {
                let n = self.rng.random_range(1..=2);
                for _ in 0..n {
                    let key = self.slug().replace('-', "_");
                    let v = self.gen(ap, Some(&key), depth + 1);
                    out.insert(key, v);
                }
            }
        }
        let min_props = obj
            .get("minProperties")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        while out.len() < min_props {
            let key = format!("{}_{}", self.slug().replace('-', "_"), out.len());
            out.insert(key, Value::String(self.words(1, 2)));
        }
        Value::Object(out)
    }
}

/// Merge the keywords of `part` into `into` (properties and required are unioned).
fn merge_into(into: &mut Map<String, Value>, part: Value) {
    let Value::Object(part) = part else { return };
    for (k, v) in part {
        match (k.as_str(), into.get_mut(&k), v) {
            ("properties", Some(Value::Object(existing)), Value::Object(new)) => {
                for (pk, pv) in new {
                    existing.insert(pk, pv);
                }
            }
            ("required", Some(Value::Array(existing)), Value::Array(new)) => {
                for r in new {
                    if !existing.contains(&r) {
                        existing.push(r);
                    }
                }
            }
            (_, Some(_), v) if k == "type" => {
                // keep the stricter (non-array) type
                if v.is_string() {
                    into.insert(k, v);
                }
            }
            (_, Some(_), _) => {}
            (_, None, v) => {
                into.insert(k, v);
            }
        }
    }
}

/// A pattern parsed without Unicode, with every byte class narrowed to ASCII, so
/// that `.` or `[^x]` yield text (ECMA-262 patterns in specs are about text).
fn ascii_only(hir: regex_syntax::hir::Hir) -> regex_syntax::hir::Hir {
    use regex_syntax::hir::{Class, ClassBytes, ClassBytesRange, Hir, HirKind, Repetition};
    match hir.into_kind() {
        HirKind::Class(Class::Bytes(mut c)) => {
            c.intersect(&ClassBytes::new([ClassBytesRange::new(0, 0x7f)]));
            Hir::class(Class::Bytes(c))
        }
        HirKind::Class(c) => Hir::class(c),
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            sub: Box::new(ascii_only(*r.sub)),
            ..r
        }),
        HirKind::Capture(mut c) => {
            c.sub = Box::new(ascii_only(*c.sub));
            Hir::capture(c)
        }
        HirKind::Concat(v) => Hir::concat(v.into_iter().map(ascii_only).collect()),
        HirKind::Alternation(v) => Hir::alternation(v.into_iter().map(ascii_only).collect()),
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(l) => Hir::literal(l.0),
        HirKind::Look(l) => Hir::look(l),
    }
}
