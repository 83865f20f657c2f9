//! A small in-memory Woodpecker server built on the stubs specforge generates
//! (`build.rs`): repositories, pipelines and secrets, bearer tokens checked once
//! in [`Api::authenticate`], 404 for what does not exist through [`ApiError`],
//! and request tracing from tower-http. Every operation it does not implement
//! answers 501.

use api::server::*;
use api::types;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The generated Woodpecker types and server stubs.
#[allow(missing_docs)]
pub mod api {
    include!(concat!(env!("OUT_DIR"), "/woodpecker.rs"));
}

/// Who a token belongs to; `authenticate` puts it into the request extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The login.
    pub login: String,
    /// Whether the token may change things.
    pub can_write: bool,
}

#[derive(Debug, Default)]
struct Store {
    repos: BTreeMap<i64, types::Repo>,
    pipelines: BTreeMap<i64, Vec<types::Pipeline>>,
    secrets: BTreeMap<i64, BTreeMap<String, types::Secret>>,
    next_id: i64,
}

/// The server: its data and the tokens it accepts.
#[derive(Debug)]
pub struct Woodpecker {
    store: Mutex<Store>,
    tokens: BTreeMap<String, User>,
}

impl Woodpecker {
    /// A server with one repository (id 1, `octo/hello`), two pipelines and a
    /// secret, and two tokens: `demo-token` (alice, read and write) and
    /// `read-token` (bob, read only).
    pub fn demo() -> Self {
        let mut store = Store {
            next_id: 100,
            ..Store::default()
        };
        store.repos.insert(
            1,
            types::Repo {
                id: Some(1),
                name: Some("hello".into()),
                owner: Some("octo".into()),
                full_name: Some("octo/hello".into()),
                default_branch: Some("main".into()),
                active: Some(true),
                ..Default::default()
            },
        );
        store.pipelines.insert(
            1,
            (1..=2)
                .map(|n| types::Pipeline {
                    id: Some(n),
                    number: Some(n),
                    branch: Some("main".into()),
                    event: Some(types::WebhookEvent::Push),
                    ..Default::default()
                })
                .collect(),
        );
        store.secrets.entry(1).or_default().insert(
            "deploy-key".into(),
            types::Secret {
                id: Some(1),
                repo_id: Some(1),
                name: Some("deploy-key".into()),
                events: Some(vec![types::WebhookEvent::Push]),
                ..Default::default()
            },
        );
        let tokens = [("demo-token", "alice", true), ("read-token", "bob", false)]
            .into_iter()
            .map(|(t, login, can_write)| {
                (
                    t.to_string(),
                    User {
                        login: login.into(),
                        can_write,
                    },
                )
            })
            .collect();
        Self {
            store: Mutex::new(store),
            tokens,
        }
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The axum app: the generated router with request tracing in front of it.
pub fn app(server: Woodpecker) -> axum::Router {
    router(server).layer(tower_http::trace::TraceLayer::new_for_http())
}

fn user(context: &RequestContext) -> User {
    // authenticate() put it there for every operation that requires a token
    context.extensions.get::<User>().cloned().unwrap_or(User {
        login: "anonymous".into(),
        can_write: false,
    })
}

fn no_repo(id: i64) -> ApiError {
    ApiError::not_found(format!("no repository with id {id}"))
}

fn may_write(context: &RequestContext) -> Result<(), ApiError> {
    if user(context).can_write {
        Ok(())
    } else {
        Err(ApiError::forbidden("this token may only read"))
    }
}

impl Api for Woodpecker {
    async fn authenticate(
        &self,
        credentials: &Credentials,
        context: &mut RequestContext,
    ) -> Result<(), Rejection> {
        let token = credentials.bearer().unwrap_or_default();
        match self.tokens.get(token) {
            Some(user) => {
                tracing::debug!(login = %user.login, "authenticated");
                context.extensions.insert(user.clone());
                Ok(())
            }
            None => Err(Rejection::Unauthorized("unknown token".into())),
        }
    }

    async fn get_version(&self, _context: RequestContext) -> GetVersionResponse {
        GetVersionResponse::Status200 {
            body: types::GetVersionResponseBody {
                source: Some("specforge woodpecker-server example".into()),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            },
        }
    }

    async fn get_user(&self, context: RequestContext) -> GetUserResponse {
        let user = user(&context);
        GetUserResponse::Status200 {
            body: types::User {
                login: Some(user.login),
                admin: Some(false),
                ..Default::default()
            },
        }
    }

    async fn list_user_repos(
        &self,
        _context: RequestContext,
        query: ListUserReposQuery,
    ) -> ListUserReposResponse {
        let store = self.store();
        let repos = store
            .repos
            .values()
            .filter(|r| {
                query
                    .name
                    .as_ref()
                    .is_none_or(|n| r.name.as_ref() == Some(n))
            })
            // the listing type carries the repository's fields
            .filter_map(|r| serde_json::to_value(r).ok())
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect();
        ListUserReposResponse::Status200 { body: repos }
    }

    async fn get_repo(&self, _context: RequestContext, path: GetRepoPath) -> GetRepoResponse {
        match self.store().repos.get(&path.repo_id) {
            Some(repo) => GetRepoResponse::Status200 { body: repo.clone() },
            None => no_repo(path.repo_id).into(),
        }
    }

    async fn list_repo_pipelines(
        &self,
        _context: RequestContext,
        path: ListRepoPipelinesPath,
        query: ListRepoPipelinesQuery,
    ) -> ListRepoPipelinesResponse {
        let store = self.store();
        if !store.repos.contains_key(&path.repo_id) {
            return no_repo(path.repo_id).into();
        }
        let per_page = query.per_page.unwrap_or(50).clamp(1, 100) as usize;
        let page = query.page.unwrap_or(1).max(1) as usize;
        let body = store
            .pipelines
            .get(&path.repo_id)
            .map(|all| {
                all.iter()
                    .rev()
                    .filter(|p| {
                        query
                            .branch
                            .as_ref()
                            .is_none_or(|b| p.branch.as_ref() == Some(b))
                    })
                    .skip((page - 1) * per_page)
                    .take(per_page)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        ListRepoPipelinesResponse::Status200 { body }
    }

    async fn get_repo_pipeline(
        &self,
        _context: RequestContext,
        path: GetRepoPipelinePath,
    ) -> GetRepoPipelineResponse {
        let store = self.store();
        let found = store
            .pipelines
            .get(&path.repo_id)
            .and_then(|all| all.iter().find(|p| p.number == Some(path.pipeline_number)));
        match found {
            Some(p) => GetRepoPipelineResponse::Status200 { body: p.clone() },
            None => ApiError::not_found(format!(
                "no pipeline {} in repository {}",
                path.pipeline_number, path.repo_id
            ))
            .into(),
        }
    }

    async fn create_repo_pipeline(
        &self,
        context: RequestContext,
        path: CreateRepoPipelinePath,
        body: types::PipelineOptions,
    ) -> CreateRepoPipelineResponse {
        if let Err(e) = may_write(&context) {
            return e.into();
        }
        let mut store = self.store();
        if !store.repos.contains_key(&path.repo_id) {
            return no_repo(path.repo_id).into();
        }
        store.next_id += 1;
        let id = store.next_id;
        let all = store.pipelines.entry(path.repo_id).or_default();
        let number = all.iter().filter_map(|p| p.number).max().unwrap_or(0) + 1;
        let pipeline = types::Pipeline {
            id: Some(id),
            number: Some(number),
            branch: body.branch.or(Some("main".into())),
            message: body.message,
            variables: body.variables,
            event: Some(types::WebhookEvent::Manual),
            sender: Some(user(&context).login),
            created: Some(chrono::Utc::now().timestamp()),
            ..Default::default()
        };
        all.push(pipeline.clone());
        CreateRepoPipelineResponse::Status200 { body: pipeline }
    }

    async fn list_repo_secrets(
        &self,
        _context: RequestContext,
        path: ListRepoSecretsPath,
        _query: ListRepoSecretsQuery,
    ) -> ListRepoSecretsResponse {
        let store = self.store();
        if !store.repos.contains_key(&path.repo_id) {
            return no_repo(path.repo_id).into();
        }
        let body = store
            .secrets
            .get(&path.repo_id)
            .map(|s| s.values().map(redacted).collect())
            .unwrap_or_default();
        ListRepoSecretsResponse::Status200 { body }
    }

    async fn create_repo_secret(
        &self,
        context: RequestContext,
        path: CreateRepoSecretPath,
        body: types::Secret,
    ) -> CreateRepoSecretResponse {
        if let Err(e) = may_write(&context) {
            return e.into();
        }
        let mut store = self.store();
        if !store.repos.contains_key(&path.repo_id) {
            return no_repo(path.repo_id).into();
        }
        store.next_id += 1;
        // the spec does not require a name (nor document a 400): one is made up
        let name = body
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("secret-{}", store.next_id));
        let secret = types::Secret {
            id: Some(store.next_id),
            repo_id: Some(path.repo_id),
            name: Some(name.clone()),
            ..body
        };
        store
            .secrets
            .entry(path.repo_id)
            .or_default()
            .insert(name, secret.clone());
        CreateRepoSecretResponse::Status200 {
            body: redacted(&secret),
        }
    }

    async fn get_repo_secret(
        &self,
        _context: RequestContext,
        path: GetRepoSecretPath,
    ) -> GetRepoSecretResponse {
        match self.find_secret(path.repo_id, &path.secret_name) {
            Ok(s) => GetRepoSecretResponse::Status200 { body: redacted(&s) },
            Err(e) => e.into(),
        }
    }

    async fn update_repo_secret(
        &self,
        context: RequestContext,
        path: UpdateRepoSecretPath,
        body: types::SecretPatch,
    ) -> UpdateRepoSecretResponse {
        if let Err(e) = may_write(&context) {
            return e.into();
        }
        if let Err(e) = self.find_secret(path.repo_id, &path.secret_name) {
            return e.into();
        }
        let mut store = self.store();
        let Some(secret) = store
            .secrets
            .get_mut(&path.repo_id)
            .and_then(|s| s.get_mut(&path.secret_name))
        else {
            return ApiError::not_found("the secret went away").into();
        };
        if body.value.is_some() {
            secret.value = body.value;
        }
        if body.events.is_some() {
            secret.events = body.events;
        }
        if body.images.is_some() {
            secret.images = body.images;
        }
        if body.note.is_some() {
            secret.note = body.note;
        }
        UpdateRepoSecretResponse::Status200 {
            body: redacted(secret),
        }
    }

    async fn delete_repo_secret(
        &self,
        context: RequestContext,
        path: DeleteRepoSecretPath,
    ) -> DeleteRepoSecretResponse {
        if let Err(e) = may_write(&context) {
            return e.into();
        }
        if let Err(e) = self.find_secret(path.repo_id, &path.secret_name) {
            return e.into();
        }
        if let Some(s) = self.store().secrets.get_mut(&path.repo_id) {
            s.remove(&path.secret_name);
        }
        DeleteRepoSecretResponse::Status204
    }
}

impl Woodpecker {
    fn find_secret(&self, repo_id: i64, name: &str) -> Result<types::Secret, ApiError> {
        let store = self.store();
        if !store.repos.contains_key(&repo_id) {
            return Err(no_repo(repo_id));
        }
        store
            .secrets
            .get(&repo_id)
            .and_then(|s| s.get(name))
            .cloned()
            .ok_or_else(|| {
                ApiError::not_found(format!("no secret {name:?} in repository {repo_id}"))
            })
    }
}

/// Secrets are written, never read back.
fn redacted(secret: &types::Secret) -> types::Secret {
    types::Secret {
        value: None,
        ..secret.clone()
    }
}
