//! OpenAPI links in the IR: resolved to the operation they lead to, by
//! operationId or operationRef, with qualified parameter names made plain; a link
//! to nothing is a warning naming its pointer.

fn load(yaml: &str) -> specforge::Api {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("spec.yaml");
    std::fs::write(&p, yaml).unwrap();
    specforge::load_api(&p).unwrap()
}

#[test]
fn links_lead_to_operations_by_id_or_ref() {
    let api = load(
        r##"
openapi: 3.0.3
info: {title: L, version: "1"}
paths:
  /users:
    post:
      operationId: createUser
      responses:
        "201":
          description: made
          content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}
          links:
            ById: {operationId: getUser, parameters: {path.id: "$response.body#/id"}}
            ByRef: {operationRef: "#/paths/~1users~1{id}/get", parameters: {id: "$response.body#/id"}}
            Nowhere: {operationId: noSuchOperation}
  /users/{id}:
    get:
      operationId: getUser
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
"##,
    );
    let create = api
        .operations
        .iter()
        .find(|o| o.name == "create_user")
        .unwrap();
    let links = &create.responses[0].links;
    assert_eq!(links.len(), 3);
    for name in ["ById", "ByRef"] {
        let l = links.iter().find(|l| l.name == name).unwrap();
        assert_eq!(l.operation.as_deref(), Some("get_user"), "{name}");
        assert_eq!(
            l.parameters["id"], "$response.body#/id",
            "{name}: the `path.` qualifier is dropped"
        );
    }
    let nowhere = links.iter().find(|l| l.name == "Nowhere").unwrap();
    assert_eq!(nowhere.operation, None);
    assert!(api.warnings.iter().any(|w| {
        let w = w.to_string();
        w.contains("links/Nowhere") && w.contains("names no operation")
    }));
}
