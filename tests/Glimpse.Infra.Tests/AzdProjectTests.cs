using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Glimpse.Infra.Tests.Support;

namespace Glimpse.Infra.Tests;

/// <summary>infra/azure.yaml and main.parameters.json point at things that exist and agree with main.bicep.</summary>
[Collection(CompiledTemplateCollection.Name)]
public sealed partial class AzdProjectTests(CompiledTemplate compiled)
{
    private static readonly Dictionary<object, object> Project = YamlFile.Load(RepositoryPaths.AzureYaml);

    [Fact]
    public void Infra_section_names_main_bicep()
    {
        Dictionary<object, object> infra = Project.Map("infra");
        Assert.Equal("bicep", infra.Text("provider"));
        string folder = Path.GetFullPath(Path.Combine(RepositoryPaths.Infra, infra.Text("path") ?? "."));
        Assert.True(File.Exists(Path.Combine(folder, (infra.Text("module") ?? "main") + ".bicep")));
    }

    [Theory]
    [InlineData("functions", "src/Glimpse.Functions", "function")]
    [InlineData("worker", "src/Glimpse.Worker", "containerapp")]
    public void Service_points_at_its_project_folder(string service, string folderFromRoot, string host)
    {
        Dictionary<object, object> definition = Project.Map("services").Map(service);
        Assert.Equal(host, definition.Text("host"));
        string project = Path.GetFullPath(Path.Combine(RepositoryPaths.Infra, definition.Text("project")!));
        Assert.Equal(Path.Combine(RepositoryPaths.Root, folderFromRoot), project);
        Assert.True(Directory.Exists(project), $"{project} does not exist");
    }

    [Fact]
    public void Worker_image_builds_from_its_dockerfile_with_the_cuda_flavour()
    {
        Dictionary<object, object> worker = Project.Map("services").Map("worker");
        string project = Path.Combine(RepositoryPaths.Infra, worker.Text("project")!);
        Dictionary<object, object> docker = worker.Map("docker");
        string dockerfile = Path.GetFullPath(Path.Combine(project, docker.Text("path")!));
        Assert.True(File.Exists(dockerfile), $"{dockerfile} does not exist");
        Assert.Equal(RepositoryPaths.Root, Path.GetFullPath(Path.Combine(project, docker.Text("context")!)).TrimEnd('/'));

        var buildArgs = ((List<object>)docker["buildArgs"]).Cast<string>().ToArray();
        Assert.Contains("TORCH_FLAVOR=cuda-linux", buildArgs);
        Assert.Contains("ARG TORCH_FLAVOR", File.ReadAllText(dockerfile));
    }

    [Fact]
    public void Hook_scripts_exist()
    {
        foreach (var (shell, definition) in Project.Map("hooks").Map("postdeploy"))
        {
            string script = Path.Combine(RepositoryPaths.Infra, ((Dictionary<object, object>)definition).Text("run")!);
            Assert.True(File.Exists(script), $"postdeploy {shell} hook {script} does not exist");
        }
    }

    [Fact]
    public void Parameters_file_matches_main_bicep_parameters()
    {
        JsonObject declared = compiled.Template["parameters"]!.AsObject();
        JsonObject given = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Infra, "main.parameters.json")))!["parameters"]!.AsObject();

        Assert.Empty(given.Select(p => p.Key).Except(declared.Select(p => p.Key)));
        string[] required = declared.Where(p => p.Value!["defaultValue"] is null).Select(p => p.Key).ToArray();
        Assert.Empty(required.Except(given.Select(p => p.Key)));
    }

    [Fact]
    public void Parameter_defaults_in_the_parameters_file_are_allowed_values()
    {
        // azd substitutes ${NAME=default}; a default outside @allowed would fail the first `azd up`.
        JsonObject declared = compiled.Template["parameters"]!.AsObject();
        JsonObject given = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Infra, "main.parameters.json")))!["parameters"]!.AsObject();
        foreach (var (name, value) in given)
        {
            Match substitution = EnvironmentDefault().Match((string)value!["value"]!);
            if (!substitution.Success || declared[name]!["allowedValues"] is not JsonArray allowed) continue;
            Assert.Contains(substitution.Groups[1].Value, allowed.Select(a => a!.ToString()));
        }
    }

    [GeneratedRegex(@"^\$\{[A-Z_]+=([^}]*)\}$")]
    private static partial Regex EnvironmentDefault();
}
