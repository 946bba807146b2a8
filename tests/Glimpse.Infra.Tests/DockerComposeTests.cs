using System.Text.RegularExpressions;
using Glimpse.Infra.Tests.Support;

namespace Glimpse.Infra.Tests;

/// <summary>
/// Static checks of infra/docker-compose.yml and the Dockerfiles it builds (no Docker engine runs here): every
/// referenced file exists, every dependency is a service, and every file a Dockerfile copies is in its context.
/// </summary>
public sealed partial class DockerComposeTests
{
    private static readonly Dictionary<object, object> Services = YamlFile.Load(RepositoryPaths.DockerCompose).Map("services");

    [Fact]
    public void Compose_runs_the_whole_pipeline()
    {
        Assert.Equal(["azurite", "functions", "servicebus", "sqlserver", "worker"], Services.Keys.Cast<string>().Order());
        Assert.StartsWith("mcr.microsoft.com/azure-messaging/servicebus-emulator:", Services.Map("servicebus").Text("image"));
        Assert.Contains("--skipApiVersionCheck", Services.Map("azurite").Text("command"));
    }

    [Fact]
    public void Every_service_has_an_image_or_a_dockerfile_that_exists()
    {
        foreach (var (name, value) in Services)
        {
            var service = (Dictionary<object, object>)value;
            if (service.MapOrNull("build") is not { } build)
            {
                Assert.False(string.IsNullOrEmpty(service.Text("image")), $"{name} has neither image nor build");
                continue;
            }
            string context = Path.GetFullPath(Path.Combine(RepositoryPaths.Infra, build.Text("context")!));
            string dockerfile = Path.Combine(context, build.Text("dockerfile")!);
            Assert.True(File.Exists(dockerfile), $"{name}: {dockerfile} does not exist");
        }
    }

    [Fact]
    public void Depends_on_names_services_and_waits_for_health_where_there_is_a_check()
    {
        foreach (var (name, value) in Services)
        {
            if (((Dictionary<object, object>)value).MapOrNull("depends_on") is not { } dependencies) continue;
            foreach (var (dependency, condition) in dependencies)
            {
                Assert.True(Services.ContainsKey(dependency), $"{name} depends on unknown service {dependency}");
                bool hasHealthCheck = Services.Map((string)dependency).ContainsKey("healthcheck");
                string expected = hasHealthCheck ? "service_healthy" : "service_started";
                Assert.Equal(expected, ((Dictionary<object, object>)condition).Text("condition"));
            }
        }
    }

    [Fact]
    public void Bind_mounted_files_exist()
    {
        foreach (var (name, value) in Services)
        {
            if (!((Dictionary<object, object>)value).TryGetValue("volumes", out object? volumes)) continue;
            foreach (string volume in ((List<object>)volumes).Cast<string>())
            {
                string source = volume.Split(':')[0];
                // Named volumes, and folders a user chooses (${VAR:-default}), are not files of the repository.
                if (!source.StartsWith("./", StringComparison.Ordinal)) continue;
                Assert.True(File.Exists(Path.Combine(RepositoryPaths.Infra, source)), $"{name}: {source} does not exist");
            }
        }
    }

    [Theory]
    [InlineData("functions")]
    [InlineData("worker")]
    public void Dockerfile_copies_only_what_its_context_has(string service)
    {
        Dictionary<object, object> build = Services.Map(service).Map("build");
        string context = Path.GetFullPath(Path.Combine(RepositoryPaths.Infra, build.Text("context")!));
        string dockerfile = File.ReadAllText(Path.Combine(context, build.Text("dockerfile")!));

        MatchCollection copies = CopyFromContext().Matches(dockerfile);
        Assert.NotEmpty(copies);
        foreach (Match copy in copies)
            foreach (string source in copy.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1))
                Assert.True(File.Exists(Path.Combine(context, source)) || Directory.Exists(Path.Combine(context, source)),
                    $"{service}'s Dockerfile copies {source}, which is not in its context");
    }

    [Theory]
    [InlineData("functions", "src/Glimpse.Functions/Glimpse.Functions.csproj")]
    [InlineData("worker", "src/Glimpse.Worker/Glimpse.Worker.csproj")]
    public void Dockerfile_publishes_the_project_beside_it(string service, string project)
    {
        string dockerfile = File.ReadAllText(Path.Combine(RepositoryPaths.Root, Path.GetDirectoryName(project)!, "Dockerfile"));
        Assert.Contains($"dotnet publish {project} ", dockerfile);
        Assert.Equal(service, Path.GetFileNameWithoutExtension(project)["Glimpse.".Length..].ToLowerInvariant());
    }

    [Fact]
    public void Worker_dockerfile_selects_the_torchsharp_flavour_by_build_argument()
    {
        string dockerfile = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "src", "Glimpse.Worker", "Dockerfile"));
        Assert.Contains("ARG TORCH_FLAVOR=cpu", dockerfile);
        Assert.Contains("-p:TorchSharpFlavor=${TORCH_FLAVOR}", dockerfile);
        Assert.Equal("cpu", Services.Map("worker").Map("build").Map("args").Text("TORCH_FLAVOR"));

        // The flavours the MSBuild property selects between (src/Glimpse.Model): the two the Dockerfile names.
        string model = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "src", "Glimpse.Model", "Glimpse.Model.csproj"));
        Assert.Contains("'$(TorchSharpFlavor)' == 'cpu'", model);
        Assert.Contains("'$(TorchSharpFlavor)' == 'cuda-linux'", model);
    }

    /// <summary>COPY lines that read the build context (not another stage): their sources, then the destination.</summary>
    [GeneratedRegex(@"^COPY (?!--from)(.+)$", RegexOptions.Multiline)]
    private static partial Regex CopyFromContext();
}
