//! Hash functions: uniqueString, guid, newGuid, computed exactly as Azure Resource Manager does.
//!
//! Both deterministic functions join their arguments with `-` first:
//! - `uniqueString`: Microsoft's 64-bit MurmurHash variant (two interleaved 32-bit MurmurHash3 lanes,
//!   from `Microsoft.WindowsAzure.ResourceStack`) over the UTF-8 bytes, written as 13 base-32 characters
//!   (`a-z2-7`, five bits at a time from the most significant end).
//! - `guid`: a name-based UUID (RFC 4122 §4.3, version 5, SHA-1) in ARM's fixed namespace
//!   `11fb06fb-712d-4ddd-98c7-e71bbd588830`.

use super::{FnCall, FunctionDef};
use crate::arm::value::{UnknownReason, Value};
use crate::limits::AZURE_LITERAL_CHARS;

pub const FUNCTIONS: &[FunctionDef] = &[
    FunctionDef {
        name: "uniqueString",
        min_args: 1,
        max_args: None,
        handles_unknown: false,
        func: unique_string_fn,
    },
    FunctionDef {
        name: "guid",
        min_args: 1,
        max_args: None,
        handles_unknown: false,
        func: guid_fn,
    },
    FunctionDef {
        name: "newGuid",
        min_args: 0,
        max_args: Some(0),
        handles_unknown: false,
        func: new_guid,
    },
];

/// The namespace of `guid()`, in RFC 4122 (big-endian) byte order.
const ARM_NAMESPACE: [u8; 16] = [
    0x11, 0xfb, 0x06, 0xfb, 0x71, 0x2d, 0x4d, 0xdd, 0x98, 0xc7, 0xe7, 0x1b, 0xbd, 0x58, 0x88, 0x30,
];

/// `uniqueString(...)` of already-known strings.
pub fn unique_string(parts: &[&str]) -> String {
    let hash = murmur_hash64(parts.join("-").as_bytes());
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::with_capacity(13);
    let mut v = hash;
    for _ in 0..13 {
        // The top five bits pick one of the 32 letters.
        out.extend(ALPHABET.get((v >> 59) as usize).map(|&b| char::from(b)));
        v <<= 5;
    }
    out
}

/// `guid(...)` of already-known strings.
pub fn guid(parts: &[&str]) -> String {
    uuid_v5(&ARM_NAMESPACE, parts.join("-").as_bytes())
}

fn string_args(c: &FnCall) -> Result<Vec<String>, Value> {
    c.args
        .iter()
        .map(|a| match a {
            Value::String(s) => Ok(s.to_string()),
            // Null is a "text-based" token for ARM and joins as an empty string.
            Value::Null => Ok(String::new()),
            other => Err(c.error(format!(
                "expects string arguments, not {}",
                other.type_name()
            ))),
        })
        .collect()
}

fn unique_string_fn(c: &mut FnCall) -> Value {
    let parts = match string_args(c) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let joined_len: usize = parts
        .iter()
        .map(|p| p.encode_utf16().count())
        .sum::<usize>()
        + parts.len().saturating_sub(1);
    if joined_len > AZURE_LITERAL_CHARS {
        return c.error(format!(
            "the input is {joined_len} characters long; the limit is {AZURE_LITERAL_CHARS}"
        ));
    }
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    Value::string(unique_string(&refs))
}

fn guid_fn(c: &mut FnCall) -> Value {
    let parts = match string_args(c) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    Value::string(guid(&refs))
}

fn new_guid(_c: &mut FnCall) -> Value {
    // A fresh random value on every deployment: never equal to anything, hence no symbol.
    Value::unknown(UnknownReason::Runtime("newGuid()".into()), None)
}

fn read_u32_le(data: &[u8]) -> u32 {
    // Little-endian over up to four bytes; missing high bytes are zero (the tail handling needs this).
    data.iter()
        .take(4)
        .enumerate()
        .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (8 * i)))
}

/// Microsoft's MurmurHash64 (ResourceStack `ComputeHash.MurmurHash64`, seed 0).
fn murmur_hash64(data: &[u8]) -> u64 {
    const C1: u32 = 0x239b_961b;
    const C2: u32 = 0xab0e_9789;
    let len = data.len();
    let mut h1: u32 = 0;
    let mut h2: u32 = 0;
    let mut chunks = data.chunks_exact(8);
    for block in &mut chunks {
        let (lo, hi) = block.split_at(4);
        let k1 = read_u32_le(lo)
            .wrapping_mul(C1)
            .rotate_left(15)
            .wrapping_mul(C2);
        h1 = (h1 ^ k1)
            .rotate_left(19)
            .wrapping_add(h2)
            .wrapping_mul(5)
            .wrapping_add(0x561c_cd1b);
        let k2 = read_u32_le(hi)
            .wrapping_mul(C2)
            .rotate_left(17)
            .wrapping_mul(C1);
        h2 = (h2 ^ k2)
            .rotate_left(13)
            .wrapping_add(h1)
            .wrapping_mul(5)
            .wrapping_add(0x0bca_a747);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let k1 = read_u32_le(tail)
            .wrapping_mul(C1)
            .rotate_left(15)
            .wrapping_mul(C2);
        h1 ^= k1;
        if tail.len() > 4 {
            let k2 = read_u32_le(tail.get(4..).unwrap_or(&[]))
                .wrapping_mul(C2)
                .rotate_left(17)
                .wrapping_mul(C1);
            h2 ^= k2;
        }
    }
    // The length is folded in as a 32-bit value, as the original does.
    h1 ^= len as u32;
    h2 ^= len as u32;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    // MurmurHash3's 32-bit finaliser.
    let fmix = |mut h: u32| {
        h = (h ^ (h >> 16)).wrapping_mul(0x85eb_ca6b);
        h = (h ^ (h >> 13)).wrapping_mul(0xc2b2_ae35);
        h ^ (h >> 16)
    };
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    (u64::from(h2) << 32) | u64::from(h1)
}

/// RFC 4122 §4.3 name-based UUID, version 5.
fn uuid_v5(namespace: &[u8; 16], name: &[u8]) -> String {
    let mut input = Vec::with_capacity(16 + name.len());
    input.extend_from_slice(namespace);
    input.extend_from_slice(name);
    let digest = sha1(&input);
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// SHA-1 (FIPS 180-4). Only used for name-based UUIDs, not for security.
fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xefcd_ab89,
        0x98ba_dcfe,
        0x1032_5476,
        0xc3d2_e1f0,
    ];
    let bit_len = (data.len() as u64).wrapping_mul(8);
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks_exact(64) {
        // The message schedule: 16 words of the block, then 64 derived from the earlier ones.
        let mut w = Vec::with_capacity(80);
        w.extend(
            block
                .chunks_exact(4)
                .map(|word| u32::from_be_bytes(word.try_into().unwrap_or_default())),
        );
        while w.len() < 80 {
            let at = |back: usize| w.get(w.len() - back).copied().unwrap_or(0);
            let next = (at(3) ^ at(8) ^ at(14) ^ at(16)).rotate_left(1);
            w.push(next);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5a82_7999),
                20..=39 => (b ^ c ^ d, 0x6ed9_eba1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8f1b_bcdc),
                _ => (b ^ c ^ d, 0xca62_c1d6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        h[0] = h[0].wrapping_add(a);
        h[1] = h[1].wrapping_add(b);
        h[2] = h[2].wrapping_add(c);
        h[3] = h[3].wrapping_add(d);
        h[4] = h[4].wrapping_add(e);
    }
    let mut out = [0u8; 20];
    for (chunk, v) in out.chunks_exact_mut(4).zip(h.iter()) {
        chunk.copy_from_slice(&v.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_matches_fips_180_vectors() {
        // FIPS 180-2 appendix A ("abc") and B (two-block) examples, and the well-known empty-message digest.
        let hex = |d: [u8; 20]| d.iter().map(|x| format!("{x:02x}")).collect::<String>();
        assert_eq!(
            hex(sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(sha1(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        assert_eq!(hex(sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    }

    #[test]
    fn uuid_v5_matches_rfc_vectors() {
        let dns = [
            0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4,
            0x30, 0xc8,
        ];
        // RFC 9562 appendix A.4.
        assert_eq!(
            uuid_v5(&dns, b"www.example.com"),
            "2ed6657d-e927-568b-95e1-2665a8aea6a2"
        );
        // Python documentation, `uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org')`.
        assert_eq!(
            uuid_v5(&dns, b"python.org"),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d"
        );
    }

    #[test]
    fn unique_string_matches_azure() {
        // Outputs of real deployments quoted in KingslandConsulting/Kingsland.ArmLinter
        // (src/Kingsland.ArmLinter/Functions/ArmFunctions_UniqueString.cs comments).
        assert_eq!(unique_string(&["aaa"]), "zavj67f3en4hc");
        assert_eq!(unique_string(&["bbb"]), "w5eragfxe33cy");
        assert_eq!(unique_string(&["zzz"]), "cryksdzzzawae");
        assert_eq!(unique_string(&["xxx", "yyy", "zzz"]), "lghi7k5js7itq");
        // SimonWahlin/AzExpression docs (New-AzUniqueString, which calls Microsoft's
        // Azure.Deployments.Expression library).
        assert_eq!(unique_string(&["test", "value"]), "bhxq2thzm5dym");
        // Azure/terraform-provider-azapi unique_string_function_test.go.
        assert_eq!(
            unique_string(&[
                "/subscriptions/00000000-0000-0000-0000-000000000000",
                "resource-id"
            ]),
            "cwvxuqg24sifi"
        );
        // Self-test of a third-party bash port "verified against Bicep uniqueString() output" (uniquestring.sh).
        assert_eq!(unique_string(&["test"]), "rbgf3xv4ufgzg");
        assert_eq!(unique_string(&["hello", "world"]), "a7wkljktk6wne");
        assert_eq!(unique_string(&["abc"]), "cgtzqvhu4i23s");
        assert_eq!(
            unique_string(&[
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg"
            ]),
            "bmg7c6xu4tw46"
        );
        assert_eq!(unique_string(&["foo", "bar", "baz"]), "xzi4ioaxtmth4");
    }

    #[test]
    fn guid_matches_azure() {
        // SimonWahlin/AzExpression docs (New-AzGuid, which calls Microsoft's Azure.Deployments.Expression library).
        assert_eq!(
            guid(&["test", "value"]),
            "95b33d6a-06a0-5961-9b94-a0f6c648352b"
        );
    }
}
