// Recompile when a migration or a language is added, so `sqlx::migrate!()` and the catalogs'
// `static_loader!` embed it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=locales");
}
