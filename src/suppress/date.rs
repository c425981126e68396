//! Calendar dates for suppression expiry: [`crate::calendar::Date`].

pub use crate::calendar::Date;
