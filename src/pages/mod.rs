//! One module per page of the product.

pub mod home;
pub mod not_found;
pub mod unauthorized;
