/// The version Hearth reports (user agent, API, `--version`).
public enum HearthVersion {
    public static let current = "0.1.0"
}
