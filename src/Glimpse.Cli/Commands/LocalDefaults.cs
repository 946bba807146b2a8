using Glimpse.Demo;
using Glimpse.Pipeline.Hosting;

namespace Glimpse.Cli.Commands;

/// <summary>
/// What <c>glimpse local</c> and <c>glimpse submit</c> use when not told: Azurite's default endpoints, and the embedded
/// demo model (its models folder, and its id in that folder).
/// </summary>
internal static class LocalDefaults
{
    public const int AzuriteBlobPort = 10000;
    /// <summary>The environment variable hosts read the storage connection from; submit reads it too.</summary>
    public const string ConnectionVariable = "Glimpse__Storage__ConnectionString";

    /// <summary>The models folder: <paramref name="models"/>, or the one that holds the embedded demo model.</summary>
    public static string ModelsFolder(string? models) => !string.IsNullOrEmpty(models) ? models : DemoModel.ModelsFolder;

    /// <summary>The model a submitted job names: <paramref name="model"/>, or the demo model's id.</summary>
    public static string ModelId(string? model) => !string.IsNullOrEmpty(model) ? model : DemoModel.Id;

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
