//! Live instance views of capacity reservation groups: the JSON of
//! `GET …/capacityReservationGroups/{name}?$expand=instanceView` (also what
//! `az capacity reservation group show --instance-view` prints), as the "Overallocate capacity
//! reservation" article shows it. Each reservation's name, its allocated VMs, and its size and
//! capacity where the document carries them (`sku`).

use crate::arm::value::Symbol;
use crate::source::json::{self, JsonValue};

/// One reservation of a group, as the view reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewReservation {
    /// The reservation's own name (`myCapacityReservation`).
    pub name: String,
    /// `sku.name`, when the view has it.
    pub size: Option<String>,
    /// `sku.capacity`, when the view has it.
    pub capacity: Option<u64>,
    /// IDs of the VMs allocated against it (`utilizationInfo.virtualMachinesAllocated[].id`).
    pub allocated: Vec<String>,
    /// Its zones when the view has them (`zones`); `None` when not given.
    pub zones: Option<Vec<String>>,
    /// Where `sku.name` is in the document, for messages about it.
    pub size_pointer: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceView {
    /// The file it was read from, for messages.
    pub file: String,
    /// The group's resource ID.
    pub id: String,
    pub name: String,
    pub location: Option<String>,
    /// The group's zones (empty: a regional group).
    pub zones: Vec<String>,
    /// Shared with other subscriptions (`sharingProfile.subscriptionIds` not empty).
    pub shared: bool,
    pub reservations: Vec<ViewReservation>,
}

fn zones_of(v: Option<&JsonValue>) -> Option<Vec<String>> {
    match v? {
        JsonValue::Array(a) => Some(
            a.elements
                .iter()
                .filter_map(|z| match z {
                    JsonValue::StringLit(s) => Some(s.value.to_string()),
                    JsonValue::NumberLit(n) => Some(n.value.to_string()),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

/// A view that cannot be used: where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewError {
    pub file: String,
    /// RFC 6901 pointer of the offending value (`""` for the document).
    pub pointer: String,
    pub message: String,
}

impl std::fmt::Display for ViewError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{} at {}: {}", self.file, self.pointer, self.message)
        }
    }
}

fn get<'b, 'a>(v: &'b JsonValue<'a>, key: &str) -> Option<&'b JsonValue<'a>> {
    json::as_object(v).and_then(|o| json::get(o, key))
}

fn text(v: Option<&JsonValue>) -> Option<String> {
    match v {
        Some(JsonValue::StringLit(s)) => Some(s.value.to_string()),
        _ => None,
    }
}

fn number(v: Option<&JsonValue>) -> Option<u64> {
    match v {
        Some(JsonValue::NumberLit(n)) => n.value.parse().ok(),
        // The API writes integers; some tools print them as strings.
        Some(JsonValue::StringLit(s)) => s.value.trim().parse().ok(),
        _ => None,
    }
}

/// The last segment of a resource ID or a `group/reservation` name.
pub fn last_segment(s: &str) -> &str {
    s.trim_end_matches('/').rsplit('/').next().unwrap_or(s)
}

/// Whether VM `allocated` (an ID from a view) is the resource a template declares with ID
/// `declared` (as evaluated; unknown parts as symbols): the same ID, case-insensitively, when
/// the declared one is known; the same type and names when its subscription or resource group
/// is not. A scale set instance (`…/virtualMachineScaleSets/web/virtualMachines/3`) is its set's.
pub fn is_declared(allocated: &str, declared: &Symbol) -> bool {
    use crate::arm::functions::{parse_resource_id, parse_resource_id_symbol};
    let (Some(a), Some(d)) = (
        parse_resource_id(allocated),
        parse_resource_id_symbol(declared),
    ) else {
        return false;
    };
    let instance_of_set = a.resource_type
        == "microsoft.compute/virtualmachinescalesets/virtualmachines"
        && d.resource_type == "microsoft.compute/virtualmachinescalesets";
    let names_match = if instance_of_set {
        a.names.first() == d.names.first()
    } else {
        a.resource_type == d.resource_type && a.names == d.names
    };
    if !names_match {
        return false;
    }
    // A scope the template leaves unknown may be the view's.
    let same =
        |x: &Option<String>, y: &Option<String>, unknown: bool| y.is_none() || unknown || x == y;
    same(&a.subscription, &d.subscription, d.unknown.subscription)
        && same(
            &a.resource_group,
            &d.resource_group,
            d.unknown.resource_group,
        )
}

/// Resource IDs a template declares, indexed by type and first name, so that recognising each of
/// a view's allocated VMs ([`is_declared`]) costs a lookup, not a pass over every declaration.
#[derive(Debug, Default)]
pub struct DeclaredIds {
    /// IDs that do not parse are left out: [`is_declared`] matches nothing with them.
    by_type_and_name: std::collections::HashMap<(String, String), Vec<Symbol>>,
}

impl DeclaredIds {
    pub fn new(ids: impl IntoIterator<Item = Symbol>) -> DeclaredIds {
        let mut index = DeclaredIds::default();
        for id in ids {
            if let Some(d) = crate::arm::functions::parse_resource_id_symbol(&id) {
                let first = d.names.first().cloned().unwrap_or_default();
                index
                    .by_type_and_name
                    .entry((d.resource_type, first))
                    .or_default()
                    .push(id);
            }
        }
        index
    }

    /// Whether VM `allocated` is one of the declared resources ([`is_declared`] of any).
    pub fn contains(&self, allocated: &str) -> bool {
        let Some(a) = crate::arm::functions::parse_resource_id(allocated) else {
            return false;
        };
        let first = a.names.first().cloned().unwrap_or_default();
        let mut keys = vec![(a.resource_type.clone(), first.clone())];
        if a.resource_type == "microsoft.compute/virtualmachinescalesets/virtualmachines" {
            keys.push((
                "microsoft.compute/virtualmachinescalesets".to_string(),
                first,
            ));
        }
        keys.iter()
            .filter_map(|k| self.by_type_and_name.get(k))
            .flatten()
            .any(|d| is_declared(allocated, d))
    }
}

/// Read one instance view.
pub fn parse(file: &str, text_of_file: &str) -> Result<InstanceView, ViewError> {
    let err = |pointer: &str, message: String| ViewError {
        file: file.to_string(),
        pointer: pointer.to_string(),
        message,
    };
    let root = json::parse(
        text_of_file
            .strip_prefix('\u{feff}')
            .unwrap_or(text_of_file),
    )
    .map_err(|e| err("", format!("not JSON: {}", e.message)))?;
    if json::as_object(&root).is_none() {
        return Err(err(
            "",
            "expected a capacity reservation group object".into(),
        ));
    }
    check_group_type(&root, &err)?;
    let id = text(get(&root, "id")).ok_or_else(|| err("/id", "the group has no id".into()))?;
    let name = text(get(&root, "name")).unwrap_or_else(|| last_segment(&id).to_string());
    let location = text(get(&root, "location"));
    let properties = get(&root, "properties")
        .ok_or_else(|| err("/properties", "the group has no properties".into()))?;
    let view = get(properties, "instanceView").ok_or_else(|| {
        err(
            "/properties/instanceView",
            "no instance view: get the group with $expand=instanceView (az capacity reservation group show --instance-view)".into(),
        )
    })?;
    let entries = match get(view, "capacityReservations") {
        None => Vec::new(),
        Some(JsonValue::Array(a)) => a.elements.iter().collect(),
        Some(_) => {
            return Err(err(
                "/properties/instanceView/capacityReservations",
                "expected an array".into(),
            ));
        }
    };
    // The group's own list may carry the reservations' sku (newer API versions, or tools
    // that expand it); matched by name.
    let declared: Vec<&JsonValue> = match get(properties, "capacityReservations") {
        Some(JsonValue::Array(a)) => a.elements.iter().collect(),
        _ => Vec::new(),
    };
    let mut reservations = Vec::with_capacity(entries.len());
    // Lower-cased names seen so far: one lookup per reservation, not a pass over the others.
    let mut names_seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    // Declared reservations by lower-cased name (the first of a name, as a search would find).
    let mut twins: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (t, d) in declared.iter().enumerate() {
        if let Some(n) = text(get(d, "name")).or_else(|| text(get(d, "id"))) {
            twins
                .entry(last_segment(&n).to_ascii_lowercase())
                .or_insert(t);
        }
    }
    for (i, e) in entries.iter().enumerate() {
        let at = format!("/properties/instanceView/capacityReservations/{i}");
        let name = text(get(e, "name"))
            .ok_or_else(|| err(&format!("{at}/name"), "the reservation has no name".into()))?;
        let allocated = allocated_vms(e, &at, &err)?;
        if !names_seen.insert(name.to_ascii_lowercase()) {
            return Err(err(
                &format!("{at}/name"),
                format!("a second reservation named \"{name}\" in the same group"),
            ));
        }
        let twin = twins.get(&name.to_ascii_lowercase()).copied();
        let twin_value = twin.and_then(|t| declared.get(t).copied());
        let (sku, sku_at) = match get(e, "sku") {
            Some(s) => (Some(s), Some(format!("{at}/sku"))),
            None => (
                twin_value.and_then(|t| get(t, "sku")),
                twin.map(|t| format!("/properties/capacityReservations/{t}/sku")),
            ),
        };
        let twin = twin_value;
        let zones =
            zones_of(get(e, "zones")).or_else(|| twin.and_then(|t| zones_of(get(t, "zones"))));
        reservations.push(ViewReservation {
            name,
            size: text(sku.and_then(|s| get(s, "name"))),
            capacity: number(sku.and_then(|s| get(s, "capacity"))),
            allocated,
            zones,
            size_pointer: sku_at.map(|at| format!("{at}/name")),
        });
    }
    let shared = get(properties, "sharingProfile")
        .and_then(|s| get(s, "subscriptionIds"))
        .is_some_and(|ids| matches!(ids, JsonValue::Array(a) if !a.elements.is_empty()));
    Ok(InstanceView {
        file: file.to_string(),
        id,
        name,
        location,
        zones: zones_of(get(&root, "zones")).unwrap_or_default(),
        shared,
        reservations,
    })
}

/// An error unless the document is of a capacity reservation group.
fn check_group_type(
    root: &JsonValue,
    err: &dyn Fn(&str, String) -> ViewError,
) -> Result<(), ViewError> {
    let ty = text(get(root, "type")).unwrap_or_default();
    if !ty.eq_ignore_ascii_case("Microsoft.Compute/capacityReservationGroups") {
        return Err(err(
            "/type",
            format!(
                "expected \"Microsoft.Compute/capacityReservationGroups\", found {}",
                if ty.is_empty() {
                    "none".to_string()
                } else {
                    format!("\"{ty}\"")
                }
            ),
        ));
    }
    Ok(())
}

/// The IDs of the VMs allocated from the reservation at `at` (none when it reports none).
fn allocated_vms(
    e: &JsonValue,
    at: &str,
    err: &dyn Fn(&str, String) -> ViewError,
) -> Result<Vec<String>, ViewError> {
    let ids = match get(e, "utilizationInfo").and_then(|u| get(u, "virtualMachinesAllocated")) {
        None => Vec::new(),
        Some(JsonValue::Array(a)) => {
            let mut ids = Vec::with_capacity(a.elements.len());
            for (j, vm) in a.elements.iter().enumerate() {
                ids.push(text(get(vm, "id")).ok_or_else(|| {
                    err(
                        &format!("{at}/utilizationInfo/virtualMachinesAllocated/{j}/id"),
                        "expected a VM resource ID".into(),
                    )
                })?);
            }
            ids
        }
        Some(_) => {
            return Err(err(
                &format!("{at}/utilizationInfo/virtualMachinesAllocated"),
                "expected an array".into(),
            ));
        }
    };
    Ok(ids)
}

/// Views that cannot all be true at once: two views of one group (which one is current?).
pub fn check_distinct(views: &[InstanceView]) -> Result<(), ViewError> {
    for (i, v) in views.iter().enumerate() {
        if let Some(first) = views
            .iter()
            .take(i)
            .find(|f| f.id.eq_ignore_ascii_case(&v.id))
        {
            return Err(ViewError {
                file: v.file.clone(),
                pointer: "/id".into(),
                message: format!(
                    "a second instance view of group {} (the first is {}); pass one view per group",
                    v.id, first.file
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocated_vms_are_recognised_by_id() {
        let vm = "/subscriptions/S1/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/myVM1";
        let known = |s: &str| Symbol::known(s);
        assert!(is_declared(vm, &known(&vm.to_ascii_uppercase())));
        // Another subscription or resource group is another VM.
        assert!(!is_declared(vm, &known(&vm.replace("S1", "S2"))));
        assert!(!is_declared(vm, &known(&vm.replace("rg-app", "rg-other"))));
        // A template's unknown scope may be the view's.
        let symbolic = |name: &str| {
            let mut b = crate::arm::value::SymbolBuilder::default();
            b.push_known("/subscriptions/");
            b.push_symbol(&Symbol::expression("subscription().subscriptionId"));
            b.push_known("/resourceGroups/");
            b.push_symbol(&Symbol::expression("resourceGroup().name"));
            b.push_known("/providers/Microsoft.Compute/virtualMachines/");
            b.push_known(name);
            b.finish()
        };
        assert!(is_declared(vm, &symbolic("myvm1")));
        assert!(!is_declared(vm, &symbolic("myvm2")));
        // The same text, known: another subscription.
        assert!(!is_declared(vm, &known(symbolic("myvm1").text())));
        // A scale set instance belongs to its set.
        let instance = "/subscriptions/S1/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachineScaleSets/web/virtualMachines/3";
        assert!(is_declared(
            instance,
            &known(
                "/subscriptions/S1/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachineScaleSets/web"
            )
        ));
        assert!(!is_declared(instance, &known(vm)));
    }

    #[test]
    fn mismatching_documents_name_the_path() {
        let e = parse(
            "v.json",
            r#"{"type": "Microsoft.Compute/virtualMachines", "id": "/x"}"#,
        )
        .unwrap_err();
        assert_eq!(e.pointer, "/type");
        let e = parse(
            "v.json",
            r#"{"type": "Microsoft.Compute/capacityReservationGroups", "id": "/x", "properties": {}}"#,
        )
        .unwrap_err();
        assert_eq!(e.pointer, "/properties/instanceView");
        assert!(
            e.to_string()
                .starts_with("v.json at /properties/instanceView:")
        );
        let e = parse(
            "v.json",
            r#"{"type": "Microsoft.Compute/capacityReservationGroups", "id": "/x", "properties": {"instanceView": {"capacityReservations": [{"utilizationInfo": {}}]}}}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.pointer,
            "/properties/instanceView/capacityReservations/0/name"
        );
        assert!(parse("v.json", "[1, 2").is_err());
        let e = parse(
            "v.json",
            r#"{"type": "Microsoft.Compute/capacityReservationGroups", "id": "/x", "properties": {"instanceView": {"capacityReservations": [{"name": "r"}, {"name": "R"}]}}}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.pointer,
            "/properties/instanceView/capacityReservations/1/name"
        );
    }
}
