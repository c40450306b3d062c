//! The JSON shape of a [`Definition`]: header, names, steps in topological
//! order, arrows and rework permissions, with steps referred to by key.

use serde::ser::{Serialize, SerializeStruct, Serializer};

use super::{Condition, Definition, Step};

#[derive(serde::Serialize)]
struct StepOut<'a> {
    id: usize,
    #[serde(flatten)]
    step: &'a Step,
}

#[derive(serde::Serialize)]
struct EdgeOut<'a> {
    from: &'a str,
    to: &'a str,
    condition: &'a Condition,
}

#[derive(serde::Serialize)]
struct ReworkOut<'a> {
    from: &'a str,
    to: &'a str,
    max: u32,
}

impl Serialize for Definition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use petgraph::visit::EdgeRef;
        let steps: Vec<StepOut<'_>> = self
            .steps()
            .map(|(id, step)| StepOut {
                id: id.index(),
                step,
            })
            .collect();
        let edges: Vec<EdgeOut<'_>> = self
            .graph
            .edge_references()
            .map(|e| EdgeOut {
                from: &self.graph[e.source()].key,
                to: &self.graph[e.target()].key,
                condition: &e.weight().condition,
            })
            .collect();
        let reworks: Vec<ReworkOut<'_>> = self
            .reworks
            .iter()
            .map(|r| ReworkOut {
                from: &self.step(r.from).key,
                to: &self.step(r.to).key,
                max: r.max,
            })
            .collect();
        let mut s = serializer.serialize_struct("Definition", 10)?;
        s.serialize_field("process", &self.header)?;
        s.serialize_field("start", &self.start.map(|id| self.step(id).key.as_str()))?;
        s.serialize_field("departments", &self.departments)?;
        s.serialize_field("roles", &self.roles)?;
        s.serialize_field("calendars", &self.calendars)?;
        s.serialize_field("ladders", &self.ladders)?;
        s.serialize_field("steps", &steps)?;
        s.serialize_field("edges", &edges)?;
        s.serialize_field("reworks", &reworks)?;
        s.end()
    }
}
