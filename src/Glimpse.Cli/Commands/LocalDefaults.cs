namespace Glimpse.Cli.Commands;

/// <summary>
/// What <c>glimpse local</c> and <c>glimpse submit</c> use when not told: Azurite's default endpoints, and the model.
/// The model default is meant to be the embedded demo model; until it is wired in, both ask for it to be passed.
/// </summary>
internal static class LocalDefaults
{
    public const int AzuriteBlobPort = 10000;
    /// <summary>The environment variable hosts read the storage connection from; submit reads it too.</summary>
    public const string ConnectionVariable = "Glimpse__Storage__ConnectionString";

    /// <summary>The models folder: <paramref name="models"/>, or (later) the embedded demo model's folder.</summary>
    public static string ModelsFolder(string? models) => !string.IsNullOrEmpty(models)
        ? models
        : throw new UserInputException("pass --models DIR: a folder with one subfolder per model id (config.json, weights, tokenizer). The embedded demo model is not wired in yet.");

    /// <summary>The model a submitted job names: <paramref name="model"/>, or (later) the demo model's id.</summary>
    public static string ModelId(string? model) => !string.IsNullOrEmpty(model)
        ? model
        : throw new UserInputException("pass --model ID: the id (folder name) of a model in the pipeline's models folder. The demo model default is not wired in yet.");

    /// <summary>
    /// The storage a client talks to: <paramref name="connection"/>; else Azurite on <paramref name="azuritePort"/> when
    /// given; else the environment's; else Azurite on its default ports.
    /// </summary>
    public static string Connection(string? connection, int? azuritePort) =>
        !string.IsNullOrEmpty(connection) ? connection
        : azuritePort is { } port ? AzuriteLauncher.ConnectionStringFor(port)
        : Environment.GetEnvironmentVariable(ConnectionVariable) is { Length: > 0 } configured ? configured
        : "UseDevelopmentStorage=true";
}
