//! VM size → series, for the series-dependent capacity checks.
//!
//! Data: "On-demand capacity reservation" (articles/virtual-machines/capacity-reservation-overview.md
//! in MicrosoftDocs/azure-compute-docs), revision 05a4485 (ms.date 2026-02-17), section "Limitations
//! and restrictions", second table: the series whose reserved capacity "supports only multi-zone
//! high availability"; a scale set with a fault-domain construct is not supported for them
//! (capacity-reservations spec, source OV and constraint C11). Update the table and the revision
//! together.
//!
//! Size names follow the Azure naming convention: `Standard_` + family (and sub-family) letters +
//! vCPUs (+ `-constrained`) + additive feature letters + `_accelerator` + `_variant` + `_vN`
//! (`Standard_NC4as_T4_v3`, `Standard_M416s_8_v2`). Names are compared case-insensitively.

/// What the table says about a size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeriesClass {
    /// In OV's second table: reservations support only multi-zone high availability, so a scale
    /// set may not use more than one fault domain. The series as OV names it.
    MultiZoneOnly(&'static str),
    /// A well-formed size of any other series.
    Other,
    /// Not a size name this parser understands (`Mix`, an unresolved value, a typo).
    Unknown,
}

/// A parsed size name, lower-cased: `Standard_NC4as_T4_v3` → family `nc`, 4 vCPUs, features
/// `as`, accelerator `t4`, version 3.
#[derive(Clone, Debug, PartialEq, Eq)]
struct SizeName {
    family: String,
    vcpus: u32,
    features: String,
    accelerator: Option<String>,
    /// `None` for sizes without a version suffix (the first version of a series).
    version: Option<u32>,
}

fn parse(size: &str) -> Option<SizeName> {
    let lower = size.trim().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("standard_")
        .or_else(|| lower.strip_prefix("basic_"))
        .unwrap_or(&lower);
    let mut parts = rest.split('_');
    let head = parts.next()?;
    let family_len = head.find(|c: char| !c.is_ascii_lowercase())?;
    let (family, after) = head.split_at(family_len);
    let digits_len = after
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(after.len());
    let (digits, mut features) = after.split_at(digits_len);
    if family.is_empty() || digits.is_empty() {
        return None;
    }
    let vcpus: u32 = digits.parse().ok()?;
    // Constrained-vCPU sizes (`M8-2ms`): the digits after the dash are the active vCPUs.
    if let Some(constrained) = features.strip_prefix('-') {
        let n = constrained
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(constrained.len());
        if n == 0 {
            return None;
        }
        features = &constrained[n..];
    }
    if !features.chars().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    let mut parts: Vec<&str> = parts.collect();
    // The version is the last segment (`v710` in `NV24ads_V710_v5` is an accelerator).
    let version = match parts.last().and_then(|p| p.strip_prefix('v')) {
        Some(v) if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) => {
            parts.pop();
            Some(v.parse().ok()?)
        }
        _ => None,
    };
    let mut accelerator = None;
    for part in parts {
        if !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()) {
            // Memory variant (`M416s_8_v2`): not needed for the series.
        } else if part.chars().all(|c| c.is_ascii_alphanumeric())
            && part.chars().any(|c| c.is_ascii_digit())
            && part.chars().any(|c| c.is_ascii_lowercase())
            && accelerator.is_none()
        {
            // Accelerators are a letter code with a number (`T4`, `A100`, `V710`, `MI300X`).
            accelerator = Some(part.to_string());
        } else {
            return None;
        }
    }
    Some(SizeName {
        family: family.to_string(),
        vcpus,
        features: features.to_string(),
        accelerator,
        version,
    })
}

/// One row of OV's second table, as a pattern over parsed size names (all lower-case).
#[derive(Debug)]
pub struct SeriesEntry {
    /// The series as OV names it.
    pub series: &'static str,
    family: &'static str,
    accelerator: Option<&'static str>,
    /// Inclusive range of the `_vN` version (no suffix is version 1).
    versions: (u32, u32),
    /// Inclusive range of vCPUs (medium and high memory differ only by size).
    vcpus: (u32, u32),
    /// Feature letters the size must have, and must not have.
    with: &'static str,
    without: &'static str,
}

const ANY: (u32, u32) = (0, u32::MAX);

const fn row(
    series: &'static str,
    family: &'static str,
    accelerator: Option<&'static str>,
    versions: (u32, u32),
    vcpus: (u32, u32),
    with: &'static str,
    without: &'static str,
) -> SeriesEntry {
    SeriesEntry {
        series,
        family,
        accelerator,
        versions,
        vcpus,
        with,
        without,
    }
}

/// OV 05a4485, "Reserved capacity for these VM series supports only multi-zone high
/// availability". The first matching row wins.
pub static MULTI_ZONE_ONLY: &[SeriesEntry] = &[
    // GPU-accelerated compute.
    row("NC v3", "nc", None, (3, 3), ANY, "", ""),
    row("NCasT4_v3", "nc", Some("t4"), (3, 3), ANY, "", ""),
    row("NCADSA10_v4", "nc", Some("a10"), (4, 4), ANY, "", ""),
    row("NC_A100_v4", "nc", Some("a100"), (4, 4), ANY, "", ""),
    // "NV-series, v3 and newer (Intel)": AMD sizes carry the `a` feature (NVas_v4 is not listed).
    row("NV (v3 and newer)", "nv", None, (3, u32::MAX), ANY, "", "a"),
    row("NVadsA10_v5", "nv", Some("a10"), (5, 5), ANY, "", ""),
    row("NVads V710 v5", "nv", Some("v710"), (5, 5), ANY, "", ""),
    row("NGads V620_v1", "ng", Some("v620"), (1, 1), ANY, "", ""),
    // Memory optimised. Mv2 medium memory has up to 192 vCPUs, high memory from 208; the table
    // has a high-memory row for Msv2 only.
    row("Msv2 Medium Memory", "m", None, (2, 2), (0, 192), "", "d"),
    row("Mdsv2 Medium Memory", "m", None, (2, 2), (0, 192), "d", ""),
    row(
        "Msv2 High Memory",
        "m",
        None,
        (2, 2),
        (193, u32::MAX),
        "",
        "d",
    ),
    row("Mbsv3/Mbdsv3", "m", None, (3, 3), ANY, "b", ""),
    // Msv3/Mdsv3 medium memory go up to 176 vCPUs; their high-memory sizes (416 and more) are in
    // OV's "not supported" list instead.
    row("Msv3 Medium Memory", "m", None, (3, 3), (0, 176), "", "bd"),
    row("Mdsv3 Medium Memory", "m", None, (3, 3), (0, 176), "d", "b"),
    // Storage optimised (preview).
    row("Lsv2", "l", None, (2, 2), ANY, "", "a"),
];

impl SeriesEntry {
    fn matches(&self, s: &SizeName) -> bool {
        let version = s.version.unwrap_or(1);
        s.family == self.family
            && s.accelerator.as_deref() == self.accelerator
            && (self.versions.0..=self.versions.1).contains(&version)
            && (self.vcpus.0..=self.vcpus.1).contains(&s.vcpus)
            && self.with.chars().all(|c| s.features.contains(c))
            && !self.without.chars().any(|c| s.features.contains(c))
    }
}

/// Classify a VM size by OV's second table (see the module comment).
pub fn classify(size: &str) -> SeriesClass {
    let Some(s) = parse(size) else {
        return SeriesClass::Unknown;
    };
    MULTI_ZONE_ONLY
        .iter()
        .find(|e| e.matches(&s))
        .map_or(SeriesClass::Other, |e| SeriesClass::MultiZoneOnly(e.series))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_size_names() {
        let s = parse("Standard_NC4as_T4_v3").unwrap();
        assert_eq!(
            s,
            SizeName {
                family: "nc".into(),
                vcpus: 4,
                features: "as".into(),
                accelerator: Some("t4".into()),
                version: Some(3),
            }
        );
        let s = parse("standard_m416s_8_v2").unwrap();
        assert_eq!((s.family.as_str(), s.vcpus, s.version), ("m", 416, Some(2)));
        let s = parse("Standard_M8-2ms").unwrap();
        assert_eq!((s.vcpus, s.features.as_str(), s.version), (8, "ms", None));
        assert_eq!(parse("Standard_A1").unwrap().version, None);
    }

    #[test]
    fn classifies_multi_zone_only_series() {
        let cases = [
            ("Standard_NC6s_v3", "NC v3"),
            ("Standard_NC24rs_v3", "NC v3"),
            ("standard_nc4as_t4_v3", "NCasT4_v3"),
            ("Standard_NC8ads_A10_v4", "NCADSA10_v4"),
            ("Standard_NC24ads_A100_v4", "NC_A100_v4"),
            ("Standard_NV12s_v3", "NV (v3 and newer)"),
            ("Standard_NV36ads_A10_v5", "NVadsA10_v5"),
            ("Standard_NV36adms_A10_v5", "NVadsA10_v5"),
            ("Standard_NV24ads_V710_v5", "NVads V710 v5"),
            ("Standard_NG32ads_V620_v1", "NGads V620_v1"),
            ("Standard_M64ms_v2", "Msv2 Medium Memory"),
            ("Standard_M192is_v2", "Msv2 Medium Memory"),
            ("Standard_M128dms_v2", "Mdsv2 Medium Memory"),
            ("Standard_M416s_8_v2", "Msv2 High Memory"),
            ("Standard_M208ms_v2", "Msv2 High Memory"),
            ("Standard_M48s_1_v3", "Msv3 Medium Memory"),
            ("Standard_M176ds_4_v3", "Mdsv3 Medium Memory"),
            ("Standard_M64bds_1_v3", "Mbsv3/Mbdsv3"),
            ("Standard_M128bs_v3", "Mbsv3/Mbdsv3"),
            ("Standard_L8s_v2", "Lsv2"),
        ];
        for (size, series) in cases {
            assert_eq!(classify(size), SeriesClass::MultiZoneOnly(series), "{size}");
        }
    }

    #[test]
    fn other_series_and_unparseable_sizes() {
        for size in [
            "Standard_D2s_v3",
            "Standard_E4ads_v5",
            "Standard_B2ats_v2",
            "Standard_L8s_v3",
            "Standard_L8as_v3",
            "Standard_NV8as_v4",
            "Standard_NC40ads_H100_v5",
            "Standard_ND96asr_v4",
            "Standard_HB120rs_v3",
            "Standard_M416s_6_v3",
            "Standard_M832ids_16_v3",
            "Standard_M128s",
            "Standard_M8-2ms",
            "Standard_DC2as_v5",
        ] {
            assert_eq!(classify(size), SeriesClass::Other, "{size}");
        }
        for size in [
            "Mix",
            "",
            "Standard_",
            "Standard_D2s_v3_x_y",
            "Standard_D2s_v",
            "D2s v3",
            "Standard_2s_v3",
            "Standard_D_v3",
        ] {
            assert_eq!(classify(size), SeriesClass::Unknown, "{size:?}");
        }
    }
}
