//! Small groups protected: the one place every figure passes before it leaves the service.
//!
//! - No index, share or percentage on fewer than `min_base` valid answers.
//! - No count from 1 to `min_cell` − 1, nor the percentage that would give it away, with complementary suppression: within an item's options (whose total is
//!   known) and across the municipalities of a total (or the groups of a breakdown), so that a hidden count cannot be
//!   recovered as a total less its shown neighbours.
//! - An index computed from others is hidden with them: an area whose item index is hidden, the total whose area
//!   index is hidden (otherwise the hidden one follows from the mean). When exactly one municipality's index or
//!   share is hidden, the total's is hidden too (it would give the hidden one away with the others); when exactly
//!   one group of a breakdown is hidden, the next smallest group's is.
//! - A breakdown group with fewer than `min_cell` respondents shows nothing at all.

use super::compute::Results;
use super::disclosure::Disclosure;
use super::figures::{Change, GroupResults, IndexResult, ItemResult, ShareResult};

/// Hides every figure the rules do not allow.
pub fn protect(results: &mut Results, rules: &Disclosure) {
    for group in results.municipalities.iter_mut().chain(results.total.iter_mut()) {
        protect_tree(group, rules);
    }
    if let Some(total) = &mut results.total {
        across(&mut results.municipalities, total, rules, Complement::Parent);
    }
}

/// A group, its breakdown groups, and the figures shared between them.
fn protect_tree(group: &mut GroupResults, rules: &Disclosure) {
    within(group, rules);
    let mut groups = std::mem::take(&mut group.groups);
    for part in &mut groups {
        within(part, rules);
    }
    let sizes: Vec<u64> = groups.iter().map(|part| part.respondents.unwrap_or(0)).collect();
    for (part, hidden) in groups.iter_mut().zip(rules.protect_cells(&sizes)) {
        if hidden {
            hide_group(part);
        }
    }
    across(&mut groups, group, rules, Complement::Sibling);
    group.groups = groups;
}

/// The rules inside one group: bases, the cells of each item, and indices made of hidden ones.
fn within(group: &mut GroupResults, rules: &Disclosure) {
    for item in &mut group.items {
        protect_item(item, rules);
    }
    for share in &mut group.shares {
        protect_share(share, rules);
    }
    for area in &mut group.areas {
        let hidden_item = group
            .items
            .iter()
            .any(|item| item.area.as_ref() == Some(&area.id) && item.suppressed && item.kind == "scale");
        protect_index(area, rules, hidden_item);
    }
    let hidden_area = group.areas.iter().any(|area| area.suppressed && area.valid.unwrap_or(0) > 0);
    protect_index(&mut group.total, rules, hidden_area);
}

fn small(count: Option<u64>, rules: &Disclosure) -> bool {
    count.is_some_and(|count| count > 0 && count < rules.min_cell)
}

fn protect_item(item: &mut ItemResult, rules: &Disclosure) {
    let counts: Vec<u64> = item.options.iter().map(|option| option.count.unwrap_or(0)).collect();
    let answered: u64 = item.valid.unwrap_or(0) + item.dont_know.unwrap_or(0);
    for (option, hidden) in item.options.iter_mut().zip(rules.protect_cells(&counts)) {
        if hidden || option.suppressed {
            option.count = None;
            option.percent = None;
            option.suppressed = true;
        }
    }
    if !rules.protect_base(answered) {
        item.options.iter_mut().for_each(|option| option.percent = None);
        item.dont_know_percent = None;
    }
    let outside_hidden = item.kind == "scale"
        && item.options.iter().zip(&counts).any(|(option, _)| option.suppressed)
        && item.dont_know.is_some_and(|count| count > 0 && count < rules.min_cell);
    if outside_hidden || small(item.dont_know, rules) {
        item.dont_know = None;
        item.dont_know_percent = None;
    }
    if small(item.valid, rules) {
        item.valid = None;
    }
    if item.suppressed || !rules.protect_base(item.valid.unwrap_or(0)) {
        hide_item(item);
    }
}

fn hide_item(item: &mut ItemResult) {
    item.suppressed = true;
    item.index = None;
    item.ci95 = None;
    item.dont_know_percent = None;
    item.options.iter_mut().for_each(|option| option.percent = None);
    hide_change(&mut item.earlier);
}

fn protect_share(share: &mut ShareResult, rules: &Disclosure) {
    let valid = share.valid.unwrap_or(0);
    let yes = share.yes.unwrap_or(0);
    // A percentage beside its base gives its count away: with a hidden count goes the share.
    if rules.protect_cells(&[yes, valid.saturating_sub(yes)]).contains(&true) {
        share.yes = None;
        hide_share(share);
    }
    if small(share.valid, rules) {
        share.valid = None;
    }
    if share.suppressed || !rules.protect_base(valid) || share.valid.is_none() {
        hide_share(share);
    }
}

fn hide_share(share: &mut ShareResult) {
    share.suppressed = true;
    share.percent = None;
    share.ci95 = None;
    hide_change(&mut share.earlier);
}

fn protect_index(index: &mut IndexResult, rules: &Disclosure, made_of_hidden: bool) {
    if index.index.is_some() && (made_of_hidden || !rules.protect_base(index.valid.unwrap_or(0))) {
        hide_index(index);
    }
    if small(index.valid, rules) {
        index.valid = None;
    }
}

fn hide_index(index: &mut IndexResult) {
    index.suppressed = true;
    index.index = None;
    index.ci95 = None;
    hide_change(&mut index.earlier);
}

/// Hides a comparison with an earlier wave, keeping only that there was one.
pub fn hide_change(change: &mut Option<Change>) {
    if let Some(change) = change {
        *change = Change {
            earlier: None,
            change: None,
            ci95: None,
            p_value: None,
            significant: None,
            suppressed: true,
            ..*change
        };
    }
}

fn hide_group(group: &mut GroupResults) {
    group.respondents = None;
    group.effective_n = None;
    for item in &mut group.items {
        item.valid = None;
        item.dont_know = None;
        for option in &mut item.options {
            option.count = None;
            option.suppressed = true;
        }
        hide_item(item);
    }
    for share in &mut group.shares {
        share.yes = None;
        share.valid = None;
        hide_share(share);
    }
    for area in group.areas.iter_mut().chain(std::iter::once(&mut group.total)) {
        area.valid = None;
        hide_index(area);
    }
}

/// Where an index or share goes hidden when exactly one sibling's is: the parent's own (municipalities and their
/// total), or the next smallest sibling's (the groups of a breakdown, whose figures matter more than their sum).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Complement {
    Parent,
    Sibling,
}

/// Complementary suppression across sibling groups whose sum the parent shows, until nothing more changes.
fn across(siblings: &mut [GroupResults], parent: &mut GroupResults, rules: &Disclosure, complement: Complement) {
    if siblings.len() < 2 {
        return;
    }
    for _ in 0..siblings.len() * 4 {
        let changed = across_counts(siblings, parent, rules) | across_indices(siblings, parent, complement);
        if !changed {
            break;
        }
    }
}

/// Option counts: each option's counts across the siblings, as a row whose total the parent shows.
fn across_counts(siblings: &mut [GroupResults], parent: &GroupResults, rules: &Disclosure) -> bool {
    let mut changed = false;
    for (slot, parent_item) in parent.items.iter().enumerate() {
        for (code, parent_option) in parent_item.options.iter().enumerate() {
            if parent_option.count.is_none() {
                continue;
            }
            let column: Vec<Option<u64>> = siblings.iter().map(|group| group.items[slot].options[code].count).collect();
            for (group, hide) in siblings.iter_mut().zip(complement(&column, rules)) {
                let option = &mut group.items[slot].options[code];
                if hide && option.count.is_some() {
                    option.count = None;
                    option.percent = None;
                    option.suppressed = true;
                    changed = true;
                }
            }
        }
    }
    changed
}

/// Which cells of a row to hide so that the hidden ones (those already `None` and the small ones) cannot be
/// recovered from the row's total.
fn complement(row: &[Option<u64>], rules: &Disclosure) -> Vec<bool> {
    let counts: Vec<u64> = row.iter().map(|count| count.unwrap_or(0)).collect();
    let mut hidden = rules.protect_cells(&counts);
    let already: Vec<usize> = (0..row.len()).filter(|&i| row[i].is_none()).collect();
    for &i in &already {
        hidden[i] = true;
    }
    if hidden.iter().filter(|&&h| h).count() == 1 {
        // One hidden cell is the total less the others: hide the smallest shown one beside it.
        if let Some(next) = (0..row.len()).filter(|&i| !hidden[i] && counts[i] > 0).min_by_key(|&i| counts[i]) {
            hidden[next] = true;
        }
    }
    hidden
}

/// What `lone_hidden` needs of a figure: whether it exists, whether it is hidden, and its number of valid answers.
type State = (bool, bool, u64);

fn index_state(index: &IndexResult) -> State {
    (index.index.is_some() || index.suppressed, index.suppressed, index.valid.unwrap_or(0))
}

fn item_state(item: &ItemResult) -> State {
    (item.index.is_some() || (item.suppressed && item.kind == "scale"), item.suppressed, item.valid.unwrap_or(0))
}

fn share_state(share: &ShareResult) -> State {
    (true, share.suppressed, share.valid.unwrap_or(0))
}

/// Indices and shares: when exactly one sibling's figure is hidden and the parent shows its own, hide the parent's
/// or the next smallest sibling's.
fn across_indices(siblings: &mut [GroupResults], parent: &mut GroupResults, complement: Complement) -> bool {
    let mut changed = false;
    for slot in 0..parent.items.len() {
        let states: Vec<State> = siblings.iter().map(|group| item_state(&group.items[slot])).collect();
        if let Some(target) = lone_hidden(&states, parent.items[slot].index.is_some(), complement) {
            hide_item(target.map_or(&mut parent.items[slot], |i| &mut siblings[i].items[slot]));
            changed = true;
        }
    }
    for area in 0..parent.areas.len() {
        let states: Vec<State> = siblings.iter().map(|group| index_state(&group.areas[area])).collect();
        if let Some(target) = lone_hidden(&states, parent.areas[area].index.is_some(), complement) {
            hide_index(target.map_or(&mut parent.areas[area], |i| &mut siblings[i].areas[area]));
            changed = true;
        }
    }
    let states: Vec<State> = siblings.iter().map(|group| index_state(&group.total)).collect();
    if let Some(target) = lone_hidden(&states, parent.total.index.is_some(), complement) {
        hide_index(target.map_or(&mut parent.total, |i| &mut siblings[i].total));
        changed = true;
    }
    for share in 0..parent.shares.len() {
        let states: Vec<State> = siblings.iter().map(|group| share_state(&group.shares[share])).collect();
        if let Some(target) = lone_hidden(&states, parent.shares[share].percent.is_some(), complement) {
            hide_share(target.map_or(&mut parent.shares[share], |i| &mut siblings[i].shares[share]));
            changed = true;
        }
    }
    changed
}

/// When exactly one sibling's figure is hidden and the parent shows its own: `Some(None)` to hide the parent's,
/// `Some(Some(i))` to hide sibling i's; `None` when nothing needs hiding.
fn lone_hidden(states: &[State], parent_shows: bool, complement: Complement) -> Option<Option<usize>> {
    if !parent_shows || states.iter().filter(|(exists, hidden, _)| *exists && *hidden).count() != 1 {
        return None;
    }
    match complement {
        Complement::Parent => Some(None),
        Complement::Sibling => {
            let next = (0..states.len()).filter(|&i| states[i].0 && !states[i].1).min_by_key(|&i| states[i].2)?;
            Some(Some(next))
        }
    }
}
