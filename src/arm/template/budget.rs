//! Limits on evaluating one template, shared by the expanders of its nested deployments. Hostile or
//! accidental inputs (recursive user functions, 10,000-long variable chains, lambdas over huge
//! ranges) must end quickly and within the stack of a 2 MiB thread, with a finding that says so
//! instead of a crash or a silent stall.

use std::cell::Cell;

use crate::limits::{EVAL_CALLS, EVAL_CELLS, EVAL_NESTING, INSTANCES};

/// Which limit stopped evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    Calls,
    /// The values built by functions reached [`EVAL_CELLS`].
    Cells,
    Depth,
    Instances,
}

impl Limit {
    pub fn message(self) -> String {
        match self {
            Limit::Calls => format!(
                "armlint stopped evaluating this template after {EVAL_CALLS} function calls; \
                 what depends on the rest is unknown"
            ),
            Limit::Cells => format!(
                "armlint stopped evaluating this template after its functions built {EVAL_CELLS} \
                 array elements, object members and string cells; what depends on the rest is \
                 unknown"
            ),
            Limit::Depth => format!(
                "evaluation nested deeper than {EVAL_NESTING} levels here (variables, parameter \
                 defaults, user-defined functions or deployments referring to each other); \
                 what depends on it is unknown"
            ),
            Limit::Instances => format!(
                "armlint stopped expanding this template at {INSTANCES} resource instances; \
                 the remaining instances are not analysed"
            ),
        }
    }
}

#[derive(Default)]
pub struct Budget {
    calls: Cell<u64>,
    /// Cells of the values built so far (see [`EVAL_CELLS`]).
    cells: Cell<u64>,
    depth: Cell<u32>,
    /// A limit reached and not yet reported at an expression.
    pending: Cell<Option<Limit>>,
    /// Reported once per template: after the first, everything it touches is unknown anyway.
    reported: Cell<bool>,
}

impl Budget {
    /// Count one function call; false once the budget (calls or cells) is spent.
    pub fn charge_call(&self) -> bool {
        let n = self.calls.get().saturating_add(1);
        self.calls.set(n);
        if n > EVAL_CALLS {
            self.hit(Limit::Calls);
            return false;
        }
        self.cells.get() <= EVAL_CELLS
    }

    /// Count the cells of a value just built; false once they pass [`EVAL_CELLS`], and from then
    /// on every call is refused, so the file's evaluation ends and the other files are linted.
    pub fn charge_cells(&self, cells: u64) -> bool {
        let n = self.cells.get().saturating_add(cells);
        self.cells.set(n);
        if n > EVAL_CELLS {
            self.hit(Limit::Cells);
            return false;
        }
        true
    }

    /// Enter one nested evaluation; false (and nothing to leave) when too deep.
    pub fn enter(&self) -> bool {
        let d = self.depth.get();
        if d >= EVAL_NESTING {
            self.hit(Limit::Depth);
            return false;
        }
        self.depth.set(d + 1);
        true
    }

    pub fn leave(&self) {
        self.depth.set(self.depth.get().saturating_sub(1));
    }

    fn hit(&self, limit: Limit) {
        if !self.reported.get() && self.pending.get().is_none() {
            self.pending.set(Some(limit));
        }
    }

    /// True the first time a limit is to be reported for this template.
    pub fn claim_report(&self) -> bool {
        !self.reported.replace(true)
    }

    /// The limit reached since the last call, to be reported at the expression being evaluated.
    pub fn take_unreported(&self) -> Option<Limit> {
        let l = self.pending.take()?;
        self.reported.set(true);
        Some(l)
    }
}
