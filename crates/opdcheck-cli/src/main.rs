fn main() {
    println!("{}", opdcheck_engine::Engine::default_engine().ruleset());
}
