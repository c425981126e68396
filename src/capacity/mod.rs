//! `armlint capacity`: the capacity plan per reservation, from templates (and, later, from live
//! instance views).

pub mod instance_view;
pub mod plan;
