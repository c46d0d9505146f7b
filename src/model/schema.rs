//! JSON Schemas of the workspace files, derived from the types that parse them.
//!
//! The parsers' raw types derive [`JsonSchema`]; the text fields they check by hand (ids,
//! durations, dates, credential references, URLs) name one of the small types in
//! [`super::schema_text`], whose schema states the same rule as a pattern, so an editor
//! flags what `onboard validate` would. Rules that span files (an identity's `clients` naming real clients) are left to
//! `validate`. Pure: returns values, reads nothing.

use schemars::{JsonSchema, Schema, SchemaGenerator, generate::SchemaSettings};

/// A workspace file kind that has a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `onboard.toml`.
    Settings,
    /// `identities/*.yaml`.
    Identity,
    /// A bundle library's `*.yaml`.
    Bundle,
    /// `clients/*.yaml`.
    Client,
    /// `policy.yaml`.
    Policy,
}

/// Returns the schema of one workspace file kind, titled `title`.
pub fn file_schema(kind: FileKind, title: &str) -> Schema {
    let generator = generator();
    let mut schema = match kind {
        FileKind::Settings => generator.into_root_schema_for::<super::settings::RawSettings>(),
        FileKind::Identity => generator.into_root_schema_for::<super::identity::RawIdentity>(),
        FileKind::Bundle => generator.into_root_schema_for::<super::bundle::RawBundle>(),
        FileKind::Client => generator.into_root_schema_for::<super::client::RawClient>(),
        FileKind::Policy => generator.into_root_schema_for::<super::policy::RawPolicy>(),
    };
    schema.insert("title".into(), title.into());
    schema
}

/// Returns the schema of a type that onboard prints as JSON, titled `title`.
pub fn document_schema<T: JsonSchema>(title: &str) -> Schema {
    let mut schema = generator().into_root_schema_for::<T>();
    schema.insert("title".into(), title.into());
    schema
}

/// Draft 2020-12, what editors and validators read today.
fn generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12().into_generator()
}
