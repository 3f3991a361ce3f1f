import App
@main struct Gatehouse { static func main() { print(LinkedLibraries.versions()) } }
