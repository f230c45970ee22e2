//! The contract as an OpenAPI 3.1 description, built from the `endpoints!` table and the
//! contract's own types (their `utoipa::ToSchema` derives, behind this crate's `openapi`
//! feature): a script in any language can be written from it, and it cannot drift from what
//! the server routes and the client sends, because it is made of the same declarations.
//!
//! What the table says goes in as it is: the path, the method, the permission (as the security
//! an endpoint needs, and by name in `x-lore-permission`), the documentation comment (summary
//! and description), the request (path and query parameters for `GET` and `DELETE`, a JSON body
//! for `POST` and `PUT`) and the response. Most failures are derived from the same facts: every
//! endpoint may answer the error envelope with 400 (a malformed request), 401 (a token that is
//! not valid) and 503 (the database is away); one that needs a caller, 403; one that changes
//! something, 403 (a request from another site); one with a path parameter, 404; one with a
//! body, 413 and 422. The rest (201, 409, 429) are listed here by endpoint name.

use super::{EndpointInfo, ErrorEnvelope, Method, Permission};
use utoipa::ToSchema;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathItem, Paths,
    RefOr, Required, ResponseBuilder, SecurityRequirement,
};

/// The endpoints that answer 201 Created on success rather than 200.
const CREATING: &[&str] = &["CreateDocument", "SetUp", "CreateUser", "CreateToken"];

/// The endpoints that may answer 409: a save on a revision that is no longer current, a name
/// or an id that is taken, the last admin.
const CONFLICTING: &[&str] = &[
    "CreateDocument",
    "UpdateDocument",
    "DeleteDocument",
    "RestoreDocument",
    "RestoreToRevision",
    "CreateUser",
    "UpdateUser",
    "RemoveUser",
];

/// The endpoints that check a password, and so count failures: 401 for a wrong one (signing
/// in), 429 with `Retry-After` past the limit.
const CHECKING_PASSWORDS: &[&str] = &["SignIn", "ChangePassword"];

/// One endpoint of the table with what the description needs of it.
pub struct Described {
    info: EndpointInfo,
    doc: &'static [&'static str],
    request: TypeSchema,
    response: TypeSchema,
}

impl Described {
    /// Endpoint `info`, documented by `doc` (its comment's lines), exchanging `Request` for
    /// `Response`.
    pub fn of<Request: ToSchema, Response: ToSchema>(
        info: EndpointInfo,
        doc: &'static [&'static str],
    ) -> Self {
        Self {
            info,
            doc,
            request: TypeSchema::of::<Request>(),
            response: TypeSchema::of::<Response>(),
        }
    }
}

/// A type's schema, with the named schemas it refers to.
struct TypeSchema {
    name: String,
    schema: RefOr<Schema>,
    components: Vec<(String, RefOr<Schema>)>,
}

impl TypeSchema {
    fn of<T: ToSchema>() -> Self {
        let mut components = Vec::new();
        T::schemas(&mut components);
        Self {
            name: T::name().into_owned(),
            schema: T::schema(),
            components,
        }
    }

    /// No request at all (`()`).
    fn is_nothing(&self) -> bool {
        self.name == "TupleUnit"
    }

    /// The object's properties and whether each is required, for a request whose fields
    /// travel as parameters.
    fn fields(&self) -> Vec<(String, RefOr<Schema>, bool)> {
        let RefOr::T(Schema::Object(object)) = &self.schema else {
            return Vec::new();
        };
        object
            .properties
            .iter()
            .map(|(name, schema)| (name.clone(), schema.clone(), object.required.contains(name)))
            .collect()
    }
}

/// The whole description, for a server of version `version`.
pub fn description(version: &str) -> OpenApi {
    let mut components = ComponentsBuilder::new()
        .security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "lore_session",
                "The session cookie `POST /api/session` sets (browsers; state-changing requests \
                 must also come from Lore's own pages).",
            ))),
        )
        .security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (`lore_...`) made on `/account` or with `lore token \
                         create`: `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
    let envelope = TypeSchema::of::<ErrorEnvelope>();
    components = components.schema(envelope.name.clone(), envelope.schema.clone());
    for (name, schema) in envelope.components {
        components = components.schema(name, schema);
    }
    let mut paths = Paths::new();
    for endpoint in super::described_endpoints() {
        for (name, schema) in endpoint
            .request
            .components
            .iter()
            .chain(&endpoint.response.components)
        {
            components = components.schema(name.clone(), schema.clone());
        }
        let method = match endpoint.info.method {
            Method::Get => HttpMethod::Get,
            Method::Post => HttpMethod::Post,
            Method::Put => HttpMethod::Put,
            Method::Delete => HttpMethod::Delete,
        };
        let item = PathItem::new(method, operation(&endpoint, &envelope.name));
        let path = endpoint.info.described_path();
        match paths.paths.get_mut(&path) {
            Some(existing) => existing.merge_operations(item),
            None => {
                paths.paths.insert(path, item);
            }
        }
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Lore")
                .version(version)
                .description(Some(
                    "Lore's JSON API, generated from the contract the server and the browser \
                     client share. Every failure answers the error envelope.",
                ))
                .build(),
        )
        .paths(paths)
        .components(Some(components.build()))
        .build()
}

/// The operation of one endpoint.
fn operation(endpoint: &Described, envelope: &str) -> Operation {
    let info = endpoint.info;
    let (summary, description) = summary_and_description(endpoint.doc);
    let permission = match info.permission {
        Permission::Anyone => "anyone",
        Permission::Read => "read",
        Permission::SignedIn => "signed_in",
        Permission::Write => "write",
        Permission::Admin => "admin",
    };
    let mut builder = OperationBuilder::new()
        .operation_id(Some(info.name))
        .summary(Some(summary))
        .description(Some(description))
        .tag(tag_of(info.path))
        // Who may call it, which the security requirements alone cannot say: a reader's and an
        // admin's token look the same.
        .extensions(Some(
            ExtensionsBuilder::new()
                .add("x-lore-permission", permission)
                .build(),
        ));

    let in_path: Vec<&str> = info
        .path
        .split('/')
        .filter_map(|segment| {
            let name = segment.strip_prefix('{')?.strip_suffix('}')?;
            Some(name.strip_prefix('*').unwrap_or(name))
        })
        .collect();
    let fields = endpoint.request.fields();
    for name in &in_path {
        let schema = fields
            .iter()
            .find(|(field, ..)| field == name)
            .map(|(_, schema, _)| schema.clone())
            .unwrap_or_else(|| ObjectBuilder::new().schema_type(Type::String).into());
        builder = builder.parameter(
            ParameterBuilder::new()
                .name(*name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(schema)),
        );
    }
    let file_upload = endpoint.request.name == "FileUpload";
    if !info.method.has_body() {
        for (name, schema, required) in fields.iter().filter(|(f, ..)| !in_path.contains(&&**f)) {
            builder = builder.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Query)
                    .required(if *required {
                        Required::True
                    } else {
                        Required::False
                    })
                    .schema(Some(schema.clone())),
            );
        }
    } else if file_upload {
        let files = ObjectBuilder::new()
            .property(
                "files",
                utoipa::openapi::schema::ArrayBuilder::new().items(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .content_media_type("application/octet-stream"),
                ),
            )
            .required("files")
            .property(
                "skip_invalid",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["true", "false"])),
            )
            .property(
                "flavor",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["auto", "markdown", "obsidian"])),
            );
        builder = builder.request_body(Some(
            RequestBodyBuilder::new()
                .content(
                    "multipart/form-data",
                    ContentBuilder::new().schema(Some(files)).build(),
                )
                .required(Some(Required::True))
                .build(),
        ));
    } else if !endpoint.request.is_nothing() {
        builder = builder.request_body(Some(
            RequestBodyBuilder::new()
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(endpoint.request.schema.clone()))
                        .build(),
                )
                .required(Some(Required::True))
                .build(),
        ));
    }

    let success = if CREATING.contains(&info.name) {
        "201"
    } else {
        "200"
    };
    let answer = if endpoint.response.name == "FileDownload" {
        let media_type = match info.name {
            "GetDocumentRaw" => "text/markdown",
            "ExportArchive" => "application/zip",
            "GetOpenApi" => "application/json",
            "GetApiReference" => "text/html",
            _ => "application/octet-stream",
        };
        ResponseBuilder::new().description("The file.").content(
            media_type,
            ContentBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .content_media_type(media_type),
                ))
                .build(),
        )
    } else {
        ResponseBuilder::new().description("Done.").content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(endpoint.response.schema.clone()))
                .build(),
        )
    };
    builder = builder.response(success, answer.build());

    let failure = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(utoipa::openapi::Ref::from_schema_name(envelope)))
                    .build(),
            )
            .build()
    };
    builder = builder.response("400", failure("The request is malformed."));
    // Every endpoint refuses a bearer token that is not valid, even one open to anyone: a
    // script with a revoked token is told, not served as anonymous.
    builder = builder.response(
        "401",
        failure("Sign in, or send a valid API token (a token that is not valid is refused)."),
    );
    if info.permission != Permission::Anyone {
        let mut ways = vec![
            SecurityRequirement::new("session", Vec::<String>::new()),
            SecurityRequirement::new("token", Vec::<String>::new()),
        ];
        if info.permission == Permission::Read {
            // A public base (the default) lets anyone read.
            ways.push(SecurityRequirement::default());
        }
        builder = builder
            .response("403", failure("The caller may not do this."))
            .securities(Some(ways));
    }
    if info.method != Method::Get && info.permission == Permission::Anyone {
        builder = builder.response(
            "403",
            failure("The request came from another site's page, or was refused."),
        );
    }
    if !in_path.is_empty() {
        builder = builder.response("404", failure("Nothing has this name."));
    }
    if CONFLICTING.contains(&info.name) {
        builder = builder.response(
            "409",
            failure("It conflicts with the current state; the envelope says with what."),
        );
    }
    if CHECKING_PASSWORDS.contains(&info.name) {
        builder = builder.response(
            "429",
            failure("Too many failed attempts; `Retry-After` says when to try again."),
        );
    }
    if info.method.has_body() {
        builder = builder
            .response("413", failure("The body is larger than the server takes."))
            .response(
                "422",
                failure("The body's content is invalid; `problems` says where."),
            );
    }
    builder
        .response(
            "503",
            failure("The database tier does not answer; try again shortly."),
        )
        .build()
}

/// An endpoint's documentation comment as a summary (its first sentence, without the
/// `METHOD /path:` it starts with, which the description's structure already says) and a
/// description (the whole comment, its wrapped lines joined into paragraphs).
fn summary_and_description(doc: &[&str]) -> (String, String) {
    let mut paragraphs: Vec<String> = vec![String::new()];
    for line in doc.iter().map(|line| line.trim()) {
        match (line.is_empty(), paragraphs.last_mut()) {
            (true, _) => paragraphs.push(String::new()),
            (false, Some(paragraph)) if paragraph.is_empty() => paragraph.push_str(line),
            (false, Some(paragraph)) => {
                paragraph.push(' ');
                paragraph.push_str(line);
            }
            (false, None) => {}
        }
    }
    paragraphs.retain(|p| !p.is_empty());
    let description = paragraphs.join("\n\n");
    let first = paragraphs.first().map_or("", String::as_str);
    // `GET /api/documents/{id}`: one document, ... -> One document, ...
    let text = match first
        .strip_prefix('`')
        .and_then(|rest| rest.split_once("`: "))
    {
        Some((_, text)) => text,
        None => first,
    };
    let sentence = text.split_once(". ").map_or(text, |(sentence, _)| sentence);
    let sentence = sentence.trim_end_matches('.');
    let mut summary = sentence.to_owned();
    if let Some(initial) = summary.get(..1) {
        summary.replace_range(..1, &initial.to_uppercase());
    }
    (summary, description)
}

/// The group an endpoint is listed under: the first segment after `/api/`.
fn tag_of(path: &str) -> String {
    path.trim_start_matches("/api/")
        .split('/')
        .next()
        .unwrap_or("api")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_is_the_first_sentence_without_the_method_and_path() {
        let (summary, description) = summary_and_description(&[
            " `POST /api/session`: signs in, setting the session cookie. 401 for a wrong name or",
            " password.",
            "",
            " A second paragraph.",
        ]);
        assert_eq!(summary, "Signs in, setting the session cookie");
        assert_eq!(
            description,
            "`POST /api/session`: signs in, setting the session cookie. 401 for a wrong name or \
             password.\n\nA second paragraph."
        );
    }

    #[test]
    fn every_endpoint_is_described_once_under_its_path_and_method() {
        let description = description("0.0.0");
        let operations: usize = description
            .paths
            .paths
            .values()
            .map(|item| {
                [&item.get, &item.post, &item.put, &item.delete]
                    .iter()
                    .filter(|operation| operation.is_some())
                    .count()
            })
            .sum();
        assert_eq!(operations, crate::contract::ENDPOINTS.len());
    }
}
