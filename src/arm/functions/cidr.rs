//! CIDR functions: parseCidr, cidrSubnet, cidrHost, for IPv4 and IPv6 ranges.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::numeric::int_arg;
use super::{FnCall, FunctionDef};
use crate::arm::value::{Object, Value};

pub const FUNCTIONS: &[FunctionDef] = &[
    FunctionDef {
        name: "parseCidr",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: parse_cidr,
    },
    FunctionDef {
        name: "cidrSubnet",
        min_args: 3,
        max_args: Some(3),
        handles_unknown: false,
        func: cidr_subnet,
    },
    FunctionDef {
        name: "cidrHost",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: cidr_host,
    },
];

/// A network: its address as a number (host bits cleared), the prefix length and the family.
#[derive(Clone, Copy)]
struct Network {
    addr: u128,
    prefix: u32,
    v6: bool,
}

impl Network {
    fn bits(&self) -> u32 {
        if self.v6 { 128 } else { 32 }
    }
    /// The mask of host bits.
    fn host_mask(&self) -> u128 {
        let host_bits = self.bits() - self.prefix;
        if host_bits >= 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        }
    }
    fn netmask(&self) -> u128 {
        let all = if self.v6 {
            u128::MAX
        } else {
            u128::from(u32::MAX)
        };
        all & !self.host_mask()
    }
    fn last(&self) -> u128 {
        self.addr | self.host_mask()
    }
    fn text(&self, a: u128) -> String {
        if self.v6 {
            Ipv6Addr::from(a).to_string()
        } else {
            Ipv4Addr::from(a as u32).to_string()
        }
    }
}

fn parse_network(s: &str) -> Option<Network> {
    let (addr, prefix) = s.trim().split_once('/')?;
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) || prefix.len() > 3 {
        return None;
    }
    let prefix: u32 = prefix.parse().ok()?;
    let (addr, v6) = if let Ok(a) = addr.parse::<Ipv4Addr>() {
        (u128::from(u32::from(a)), false)
    } else {
        (u128::from(addr.parse::<Ipv6Addr>().ok()?), true)
    };
    let mut n = Network { addr, prefix, v6 };
    if prefix > n.bits() {
        return None;
    }
    n.addr &= !n.host_mask();
    Some(n)
}

fn network_arg(c: &FnCall) -> Result<Network, Value> {
    let Value::String(s) = c.arg(0) else {
        return Err(c.error(format!(
            "the network must be a CIDR string, not {}",
            c.arg(0).type_name()
        )));
    };
    parse_network(s).ok_or_else(|| c.error(format!("'{s}' is not a valid CIDR range")))
}

/// `parseCidr('10.144.0.0/20')`: network, netmask, (IPv4) broadcast, first and last usable
/// addresses, prefix length.
fn parse_cidr(c: &mut FnCall) -> Value {
    let n = match network_arg(c) {
        Ok(n) => n,
        Err(e) => return e,
    };
    let mut o = Object::with_capacity(6);
    o.insert("network", Value::string(n.text(n.addr)));
    o.insert("netmask", Value::string(n.text(n.netmask())));
    let (first, last) = if n.v6 {
        // IPv6 has no broadcast address: the whole range is usable.
        (n.addr, n.last())
    } else {
        o.insert("broadcast", Value::string(n.text(n.last())));
        if n.prefix >= 31 {
            // Point-to-point (/31) and host (/32) ranges have no network or broadcast to reserve.
            (n.addr, n.last())
        } else {
            (n.addr + 1, n.last() - 1)
        }
    };
    o.insert("firstUsable", Value::string(n.text(first)));
    o.insert("lastUsable", Value::string(n.text(last)));
    o.insert("cidr", Value::Int(i64::from(n.prefix)));
    Value::object(o)
}

/// `cidrSubnet(network, newCidr, index)`: the index-th subnet of the given size.
fn cidr_subnet(c: &mut FnCall) -> Value {
    let n = match network_arg(c) {
        Ok(n) => n,
        Err(e) => return e,
    };
    let new_prefix = match int_arg(c, 1, "the new CIDR") {
        Ok(v) => v,
        Err(e) => return e,
    };
    let index = match int_arg(c, 2, "the subnet index") {
        Ok(v) => v,
        Err(e) => return e,
    };
    if new_prefix < i64::from(n.prefix) || new_prefix > i64::from(n.bits()) {
        return c.error(format!(
            "the new CIDR {new_prefix} must be between {} and {}",
            n.prefix,
            n.bits()
        ));
    }
    let new_prefix = new_prefix as u32;
    let extra_bits = new_prefix - n.prefix;
    let count: u128 = if extra_bits >= 128 {
        u128::MAX
    } else {
        1u128 << extra_bits
    };
    let Ok(index) = u128::try_from(index) else {
        return c.error(format!("the subnet index {index} is negative"));
    };
    if index >= count {
        return c.error(format!(
            "the subnet index {index} is out of range ({count} subnets)"
        ));
    }
    let host_bits = n.bits() - new_prefix;
    let offset = if host_bits >= 128 {
        0
    } else {
        index << host_bits
    };
    Value::string(format!("{}/{new_prefix}", n.text(n.addr | offset)))
}

/// `cidrHost(network, index)`: the index-th usable host address (index 0 is the address after the
/// network address).
fn cidr_host(c: &mut FnCall) -> Value {
    let n = match network_arg(c) {
        Ok(n) => n,
        Err(e) => return e,
    };
    let index = match int_arg(c, 1, "the host index") {
        Ok(v) => v,
        Err(e) => return e,
    };
    let Ok(index) = u128::try_from(index) else {
        return c.error(format!("the host index {index} is negative"));
    };
    // IPv4 keeps the broadcast address out of reach; IPv6 can use the whole range.
    let last_usable = if n.v6 {
        n.last()
    } else {
        n.last().saturating_sub(1)
    };
    match n.addr.checked_add(1).and_then(|a| a.checked_add(index)) {
        Some(a) if a <= last_usable => Value::string(n.text(a)),
        _ => c.error(format!(
            "the host index {index} is out of range for {}/{}",
            n.text(n.addr),
            n.prefix
        )),
    }
}
