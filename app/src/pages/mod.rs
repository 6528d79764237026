pub mod console;
pub mod home;
