//! The resource library (`tonghao resource add|list|tag|remove|match`):
//! venues, content pieces, hosts and guests, tagged, matched to the
//! planned activities (`tonghao_ops::resources`).

use crate::{AppError, Result};
use chrono::Utc;
use tonghao_model::msg::Msg;
use tonghao_model::records::{Resource, ResourceKind};
pub use tonghao_ops::resources::{ActivityMatch, Coverage, Fit};
use tonghao_ops::resources::{match_activities, normalise_tags};
use tonghao_store::Store;

/// What `tonghao resource add` asks for.
#[derive(Clone, Debug)]
pub struct NewResource {
    /// Venue, content, host or guest.
    pub kind: ResourceKind,
    /// What the team calls it.
    pub name: String,
    /// Tags, each possibly a comma-separated list.
    pub tags: Vec<String>,
    /// The member a host or guest is (id or `platform:id`).
    pub member: Option<String>,
    /// A free note.
    pub note: Option<String>,
}

/// Checks and records a resource.
pub fn add(store: &dyn Store, community: &str, new: &NewResource) -> Result<Resource> {
    let name = new.name.trim();
    if name.is_empty() {
        return Err(AppError::Input(Msg::new("error.name_empty")));
    }
    let member = new.member.as_deref().map(str::trim).filter(|m| !m.is_empty());
    if member.is_some() && !new.kind.is_person() {
        return Err(AppError::Input(Msg::new("error.member_not_person").text("kind", new.kind.as_str())));
    }
    let r = Resource {
        id: 0,
        kind: new.kind,
        name: name.to_string(),
        tags: normalise_tags(new.tags.iter().map(String::as_str)),
        member: member.map(str::to_string),
        member_id: None,
        note: new.note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string),
        created_ms: Utc::now().timestamp_millis(),
    };
    Ok(store.add_resource(community, &r)?)
}

/// Every resource, by id (only those with `tag`, if given).
pub fn list(store: &dyn Store, community: &str, tag: Option<&str>) -> Result<Vec<Resource>> {
    let mut all = store.resources(community)?;
    if let Some(tag) = tag {
        let want = normalise_tags([tag]);
        all.retain(|r| want.iter().all(|t| r.tags.contains(t)));
    }
    Ok(all)
}

/// Adds and removes tags of resource `id`.
pub fn tag(store: &dyn Store, community: &str, id: i64, add: &[String], remove: &[String]) -> Result<Resource> {
    let r =
        store.resources(community)?.into_iter().find(|r| r.id == id).ok_or_else(|| {
            AppError::NotFound(Msg::new("error.no_resource").int("id", id).text("community", community))
        })?;
    let gone = normalise_tags(remove.iter().map(String::as_str));
    let mut tags = r.tags.clone();
    tags.extend(normalise_tags(add.iter().map(String::as_str)));
    let tags = normalise_tags(tags.iter().map(String::as_str).filter(|t| !gone.iter().any(|g| g == t)));
    Ok(store.set_resource_tags(community, id, &tags)?)
}

/// Removes resource `id`.
pub fn remove(store: &dyn Store, community: &str, id: i64) -> Result<Resource> {
    Ok(store.remove_resource(community, id)?)
}

/// Every planned activity with the resources that fit it.
pub fn matches(store: &dyn Store, community: &str) -> Result<Vec<ActivityMatch>> {
    Ok(match_activities(&store.activities(community)?, &store.resources(community)?))
}
