//! The runtime's rules, checked on the cases OpenAPI's serialization tables list.

use serde_json::json;
use specforge_runtime::media::{self, MediaKind};
use specforge_runtime::params::{cookie_pairs, query_pairs, Codec, Location, Raw, Shape, Style};
use specforge_runtime::path::{self, split_segment, Piece};
use specforge_runtime::problem;

fn codec(name: &str, location: Location, style: Style, explode: bool) -> Codec<'_> {
    Codec {
        name,
        location,
        style,
        explode,
        allow_reserved: false,
    }
}

#[test]
fn media_kinds_and_ranges() {
    assert_eq!(
        media::classify("application/json; charset=utf-8"),
        MediaKind::Json
    );
    assert_eq!(
        media::classify("application/problem+json"),
        MediaKind::JsonSuffix
    );
    assert_eq!(media::classify("text/plain"), MediaKind::Text);
    assert_eq!(media::classify("application/xml"), MediaKind::Xml);
    assert_eq!(media::classify("image/svg+xml"), MediaKind::Xml);
    assert_eq!(media::classify("text/event-stream"), MediaKind::EventStream);
    assert_eq!(media::classify("multipart/form-data"), MediaKind::Multipart);
    assert_eq!(
        media::classify("application/x-www-form-urlencoded"),
        MediaKind::Form
    );
    assert_eq!(
        media::classify("application/octet-stream"),
        MediaKind::Binary
    );
    assert!(media::range_matches("image/*", "image/png"));
    assert!(media::range_matches("*/*", "text/plain"));
    assert!(!media::range_matches("image/*", "text/plain"));
    assert!(media::accepted(
        ["application/json"],
        "Application/JSON; charset=utf-8"
    ));
    assert!(!media::accepted(["application/json"], "text/plain"));
}

#[test]
fn accept_negotiation_prefers_quality_then_offer_order() {
    let offered = ["application/json", "text/plain"];
    assert_eq!(media::negotiate(None, &offered), Some(0));
    assert_eq!(media::negotiate(Some("text/plain"), &offered), Some(1));
    assert_eq!(
        media::negotiate(Some("text/*;q=0.9, application/json;q=0.5"), &offered),
        Some(1)
    );
    assert_eq!(media::negotiate(Some("image/png"), &offered), None);
    assert_eq!(media::negotiate(Some("*/*"), &offered), Some(0));
    assert_eq!(
        media::negotiate(Some("application/json;q=0"), &["application/json"]),
        None
    );
}

#[test]
fn segments_split_around_literals() {
    let suffix = [Piece::Var, Piece::Lit(".json")];
    assert_eq!(split_segment(&suffix, "CA123.json"), Some(vec!["CA123"]));
    assert_eq!(split_segment(&suffix, "a.b.json"), Some(vec!["a.b"]));
    assert_eq!(split_segment(&suffix, "CA123.xml"), None);
    assert_eq!(
        split_segment(&suffix, ".json"),
        None,
        "a value has at least one character"
    );
    let verb = [Piece::Var, Piece::Lit(":encrypt")];
    assert_eq!(split_segment(&verb, "key1:encrypt"), Some(vec!["key1"]));
    assert_eq!(
        split_segment(&verb, "key1%3Aencrypt"),
        Some(vec!["key1"]),
        "an encoded literal"
    );
    let compare = [Piece::Var, Piece::Lit("..."), Piece::Var];
    assert_eq!(
        split_segment(&compare, "main...feature"),
        Some(vec!["main", "feature"])
    );
    let two = [Piece::Var, Piece::Var];
    assert_eq!(split_segment(&two, "ab"), Some(vec!["a", "b"]));
    let exts = specforge_runtime::path::Choices::Strs(&[".json", ".xml"]);
    let typed = [Piece::Int, Piece::OneOf(exts)];
    assert_eq!(split_segment(&typed, "42.json"), Some(vec!["42", ".json"]));
    assert_eq!(split_segment(&typed, "42.yaml"), None);
    let any_then_choice = [Piece::Var, Piece::OneOf(exts)];
    assert_eq!(
        split_segment(&any_then_choice, "a.b.xml"),
        Some(vec!["a.b", ".xml"])
    );
    let prefix = [Piece::Lit("thumbnail."), Piece::Var];
    assert_eq!(split_segment(&prefix, "thumbnail.png"), Some(vec!["png"]));
    assert_eq!(split_segment(&prefix, "other.png"), None);
}

#[test]
fn path_encoding_round_trips() {
    for v in ["a b", "a/b", "ü", "50%", "x.json", "a,b"] {
        let e = path::encode(v);
        assert!(
            !e.contains('/') && !e.contains(' ') && !e.contains(','),
            "{e}"
        );
        assert_eq!(path::decode(&e), v);
    }
    assert_eq!(path::encode_allow_reserved("a:b,c/d"), "a:b,c%2Fd");
}

#[test]
fn path_styles_encode_and_decode() {
    let arr = json!(["3", "4", "5"]);
    let obj = json!({"role": "admin", "first": "Alex"});
    let cases = [
        (Style::Simple, false, &arr, "3,4,5", Shape::Array),
        (
            Style::Simple,
            true,
            &obj,
            "role=admin,first=Alex",
            Shape::Object,
        ),
        (
            Style::Simple,
            false,
            &obj,
            "role,admin,first,Alex",
            Shape::Object,
        ),
        (Style::Label, false, &arr, ".3,4,5", Shape::Array),
        (Style::Label, true, &arr, ".3.4.5", Shape::Array),
        (Style::Matrix, false, &arr, ";id=3,4,5", Shape::Array),
        (Style::Matrix, true, &arr, ";id=3;id=4;id=5", Shape::Array),
        (
            Style::Matrix,
            true,
            &obj,
            ";role=admin;first=Alex",
            Shape::Object,
        ),
    ];
    for (style, explode, value, wire, shape) in cases {
        let c = codec("id", Location::Path, style, explode);
        assert_eq!(c.encode_value(value), wire, "{style:?} {explode}");
        let back = c.decode_value(wire, shape).expect("decodes");
        match (back, value) {
            (Raw::Array(items), serde_json::Value::Array(a)) => {
                assert_eq!(
                    items,
                    a.iter()
                        .map(|v| v.as_str().unwrap().to_string())
                        .collect::<Vec<_>>()
                )
            }
            (Raw::Object(entries), serde_json::Value::Object(m)) => assert_eq!(
                entries,
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                    .collect::<Vec<_>>()
            ),
            other => panic!("{other:?}"),
        }
    }
    let c = codec("id", Location::Path, Style::Simple, false);
    assert_eq!(c.encode_value(&json!("a,b/c")), "a%2Cb%2Fc");
    assert_eq!(
        c.decode_value("a%2Cb%2Fc", Shape::Scalar),
        Some(Raw::Scalar("a,b/c".into()))
    );
    assert_eq!(
        c.decode_value("x%2Cy,z", Shape::Array),
        Some(Raw::Array(vec!["x,y".into(), "z".into()]))
    );
}

#[test]
fn query_styles_encode_and_decode() {
    let mut q = String::new();
    codec("ids", Location::Query, Style::Form, true).encode_query(&json!([1, 2]), &mut q);
    codec("tag", Location::Query, Style::Form, false).encode_query(&json!(["a,b", "c"]), &mut q);
    codec("p", Location::Query, Style::PipeDelimited, false)
        .encode_query(&json!(["x", "y"]), &mut q);
    codec("s", Location::Query, Style::SpaceDelimited, false)
        .encode_query(&json!(["x", "y"]), &mut q);
    codec("f", Location::Query, Style::DeepObject, true)
        .encode_query(&json!({"color": "red"}), &mut q);
    codec("name", Location::Query, Style::Form, true).encode_query(&json!("a b&c"), &mut q);
    assert_eq!(
        q,
        "ids=1&ids=2&tag=a%2Cb,c&p=x|y&s=x%20y&f%5Bcolor%5D=red&name=a%20b%26c"
    );
    let pairs = query_pairs(&q);
    let dec = |c: Codec<'_>, shape| c.decode_query(&pairs, shape, &[]);
    assert_eq!(
        dec(
            codec("ids", Location::Query, Style::Form, true),
            Shape::Array
        ),
        Some(Raw::Array(vec!["1".into(), "2".into()]))
    );
    assert_eq!(
        dec(
            codec("tag", Location::Query, Style::Form, false),
            Shape::Array
        ),
        Some(Raw::Array(vec!["a,b".into(), "c".into()]))
    );
    assert_eq!(
        dec(
            codec("p", Location::Query, Style::PipeDelimited, false),
            Shape::Array
        ),
        Some(Raw::Array(vec!["x".into(), "y".into()]))
    );
    assert_eq!(
        dec(
            codec("s", Location::Query, Style::SpaceDelimited, false),
            Shape::Array
        ),
        Some(Raw::Array(vec!["x".into(), "y".into()]))
    );
    assert_eq!(
        dec(
            codec("f", Location::Query, Style::DeepObject, true),
            Shape::Object
        ),
        Some(Raw::Object(vec![("color".into(), "red".into())]))
    );
    assert_eq!(
        dec(
            codec("name", Location::Query, Style::Form, true),
            Shape::Scalar
        ),
        Some(Raw::Scalar("a b&c".into()))
    );
    assert_eq!(
        dec(
            codec("missing", Location::Query, Style::Form, true),
            Shape::Scalar
        ),
        None
    );
    // clients that encode the separator are read too
    let pairs = query_pairs("tag=a%2Cb");
    assert_eq!(
        codec("tag", Location::Query, Style::Form, false).decode_query(&pairs, Shape::Array, &[]),
        Some(Raw::Array(vec!["a".into(), "b".into()]))
    );
    // an exploded object takes the pairs no other parameter claims
    let pairs = query_pairs("page=2&color=red&size=L");
    assert_eq!(
        codec("filter", Location::Query, Style::Form, true).decode_query(
            &pairs,
            Shape::Object,
            &["page"]
        ),
        Some(Raw::Object(vec![
            ("color".into(), "red".into()),
            ("size".into(), "L".into())
        ]))
    );
}

#[test]
fn cookies_are_percent_encoded_and_decoded() {
    let c = codec("session", Location::Cookie, Style::Form, true);
    let pair = c.encode_cookie(&json!("a b;c"));
    assert_eq!(pair, "session=a%20b%3Bc");
    let cookies = cookie_pairs([format!("other=1; {pair}").as_str()]);
    assert_eq!(
        c.decode_cookie(&cookies, Shape::Scalar),
        Some(Raw::Scalar("a b;c".into()))
    );
}

#[test]
fn headers_are_not_percent_encoded() {
    let c = codec("X-Ids", Location::Header, Style::Simple, false);
    assert_eq!(c.encode_value(&json!(["a b", "c"])), "a b,c");
    assert_eq!(
        c.decode_value(" a b,c ", Shape::Array),
        Some(Raw::Array(vec!["a b".into(), "c".into()]))
    );
}

#[test]
fn problem_bodies_bound_what_they_echo() {
    let long = "x".repeat(10_000);
    let b = problem::body(
        400,
        "Bad Request",
        &long,
        &[problem::Violation {
            location: "body".into(),
            message: long.clone(),
        }],
    );
    assert!(b.to_string().len() < 4_000, "{}", b.to_string().len());
    assert!(b["detail"].as_str().unwrap().ends_with("(10000 bytes)"));
    assert_eq!(problem::truncate("héllo", 2), "h… (6 bytes)");
    assert!(problem::echo(&long).len() < 300);
}

#[test]
fn whole_paths_match_with_trailing_slash_rules() {
    use specforge_runtime::path::match_path;
    let t = vec![
        vec![Piece::Lit("Accounts")],
        vec![Piece::Var],
        vec![Piece::Lit("Calls")],
        vec![Piece::Var, Piece::Lit(".json")],
    ];
    assert_eq!(
        match_path(&t, false, "/Accounts/AC1/Calls/CA2.json"),
        Some(vec!["AC1", "CA2"])
    );
    assert_eq!(match_path(&t, false, "/Accounts/AC1/Calls/CA2.json/"), None);
    assert_eq!(match_path(&t, false, "/Accounts/AC1/Calls/CA2"), None);
    assert_eq!(match_path(&t, false, "/Accounts/AC1/Calls"), None);
    let slash = vec![vec![Piece::Lit("apis")]];
    assert_eq!(match_path(&slash, true, "/apis/"), Some(vec![]));
    assert_eq!(match_path(&slash, true, "/apis"), None);
    assert_eq!(match_path(&slash, false, "/apis/"), None);
    assert_eq!(match_path::<&[Piece]>(&[], false, "/"), Some(vec![]));
}

mod auth {
    use specforge_runtime::auth::{challenge, present, satisfy, Kind, Presented, Request, Scheme};
    use specforge_runtime::params::Location;

    fn request<'r>(
        authorization: Option<&'r str>,
        header: &'r dyn Fn(&str) -> Option<&'r str>,
        query: &'r [(String, String)],
    ) -> Request<'r> {
        Request {
            authorization,
            header,
            query,
            cookies: &[],
        }
    }

    #[test]
    fn each_kind_reads_its_credential() {
        let none = |_: &str| None;
        let r = request(Some("bearer abc"), &none, &[]);
        assert_eq!(
            present(&Kind::Bearer, &r),
            Some(Presented::Bearer {
                token: "abc".into()
            })
        );
        assert_eq!(present(&Kind::Basic, &r), None);
        // dXNlcjpwYXNz = user:pass
        let r = request(Some("Basic dXNlcjpwYXNz"), &none, &[]);
        assert_eq!(
            present(&Kind::Basic, &r),
            Some(Presented::Basic {
                user: "user".into(),
                password: "pass".into()
            })
        );
        let r = request(Some("Basic not-base64!"), &none, &[]);
        assert_eq!(
            present(&Kind::Basic, &r),
            None,
            "a malformed Basic credential is none"
        );
        let key = |n: &str| (n.eq_ignore_ascii_case("x-key")).then_some("k1");
        let q = [("api_key".to_string(), "k2".to_string())];
        let r = request(None, &key, &q);
        let header = Kind::ApiKey {
            name: "X-Key",
            location: Location::Header,
        };
        let query = Kind::ApiKey {
            name: "api_key",
            location: Location::Query,
        };
        assert_eq!(
            present(&header, &r),
            Some(Presented::ApiKey { value: "k1".into() })
        );
        assert_eq!(
            present(&query, &r),
            Some(Presented::ApiKey { value: "k2".into() })
        );
        assert_eq!(present(&Kind::Bearer, &r), None);
        assert_eq!(
            present(&Kind::Bearer, &request(Some("Bearer "), &none, &[])),
            None
        );
    }

    #[test]
    fn any_alternative_all_of_its_schemes() {
        let bearer = Scheme {
            name: "token",
            kind: Kind::Bearer,
        };
        let key = Scheme {
            name: "key",
            kind: Kind::ApiKey {
                name: "X-Key",
                location: Location::Header,
            },
        };
        let basic = Scheme {
            name: "basic",
            kind: Kind::Basic,
        };
        let both = [bearer, key];
        let alone = [basic];
        let alternatives: [&[Scheme]; 2] = [&both, &alone];
        let with_key = |n: &str| (n.eq_ignore_ascii_case("x-key")).then_some("k");
        let none = |_: &str| None;
        // bearer without the key: the first alternative is not met, the second neither
        let e = satisfy(&alternatives, &request(Some("Bearer t"), &none, &[])).unwrap_err();
        assert_eq!(
            e,
            [
                "Bearer",
                "ApiKey name=\"X-Key\", in=\"header\"",
                "Basic realm=\"api\""
            ]
        );
        let ok = satisfy(&alternatives, &request(Some("Bearer t"), &with_key, &[]))
            .unwrap()
            .unwrap();
        assert_eq!(ok.alternative, 0);
        assert_eq!(ok.credentials.len(), 2);
        let ok = satisfy(
            &alternatives,
            &request(Some("Basic dXNlcjpwYXNz"), &none, &[]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(ok.alternative, 1);
        // no requirement, or an empty alternative: nothing asked
        assert_eq!(satisfy(&[], &request(None, &none, &[])), Ok(None));
        let empty: [&[Scheme]; 2] = [&both, &[]];
        assert_eq!(satisfy(&empty, &request(None, &none, &[])), Ok(None));
        assert_eq!(challenge(&Kind::Other { scheme: "Digest" }), "Digest");
    }

    #[test]
    fn secrets_are_not_printed() {
        let shown = format!(
            "{:?} {:?}",
            Presented::Bearer {
                token: "s3cret".into()
            },
            Presented::Basic {
                user: "u".into(),
                password: "s3cret".into()
            }
        );
        assert!(!shown.contains("s3cret"), "{shown}");
    }
}
