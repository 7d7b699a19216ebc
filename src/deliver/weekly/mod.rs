//! The week's best (a channel's weekly post) and a person's weekly reading-list DM.
//! - [`timing`]: when a weekly post fires and which one is due; pure.
//! - `stage`: the delivery pass's weekly stage (refresh the week's votes, rank, plan).

mod stage;
pub mod timing;
