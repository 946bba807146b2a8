namespace Glimpse.Infra.Tests.Support;

/// <summary>Files of the repository the tests read, found from the test assembly's folder.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Infra => Path.Combine(Root, "infra");
    public static string MainBicep => Path.Combine(Infra, "main.bicep");
    public static string AzureYaml => Path.Combine(Infra, "azure.yaml");
    public static string DockerCompose => Path.Combine(Infra, "docker-compose.yml");
    public static string ServiceBusEmulatorConfig => Path.Combine(Infra, "servicebus-emulator", "Config.json");
    public static string Readme => Path.Combine(Root, "README.md");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "GlimpseFunctions.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No GlimpseFunctions.sln above {AppContext.BaseDirectory}.");
    }
}
