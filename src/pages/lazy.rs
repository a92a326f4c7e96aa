//! The signed-in pages as lazy routes: their code is split out of the main
//! WASM bundle (`cargo leptos build --split`) and fetched the first time
//! one of them is shown, so a visitor to the landing page downloads none of
//! the dashboard, settings, premium, onboarding or admin code. The server
//! renders them exactly as before; without `--split` (development) they
//! are ordinary routes.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $page:path) => {
        $(#[$doc])*
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    };
}

lazy_page!(
    /// `/dashboard`.
    DashboardRoute => super::dashboard::Dashboard
);
lazy_page!(
    /// `/onboarding`.
    OnboardingRoute => super::onboarding::Onboarding
);
lazy_page!(
    /// `/settings`.
    SettingsRoute => super::settings::Settings
);
lazy_page!(
    /// `/premium`.
    PremiumRoute => super::premium::Premium
);
lazy_page!(
    /// `/admin`.
    AdminRoute => super::admin::Admin
);
