using System.Text.Json.Nodes;
using Glimpse.Infra.Tests.Support;

namespace Glimpse.Infra.Tests;

/// <summary>
/// The hosts that run no model stay free of the ML runtime: the ingest Function app (and Glimpse.Pipeline and
/// Glimpse.Core, which it and <c>glimpse submit</c> are built on) must not restore TorchSharp or libtorch, or reference
/// a project that does. Read from each project's restore graph (obj/project.assets.json), which lists every package
/// and project its build and publish draw on, transitively.
/// </summary>
public sealed class LightweightHostsTests
{
    private static readonly string[] MlPackages = ["TorchSharp", "libtorch", "Tokenizers.DotNet"];
    private static readonly string[] ModelProjects = ["Glimpse.Model", "Glimpse.Explain", "Glimpse.Processing", "Glimpse.Demo"];

    [Theory]
    [InlineData("Glimpse.Functions")]
    [InlineData("Glimpse.Pipeline")]
    [InlineData("Glimpse.Core")]
    public void A_host_that_runs_no_model_draws_on_no_ml_runtime(string project)
    {
        var closure = Closure(project);
        Assert.NotEmpty(closure);
        var ml = closure.Where(entry => MlPackages.Any(p => entry.Name.StartsWith(p, StringComparison.OrdinalIgnoreCase))
                                     || ModelProjects.Contains(entry.Name, StringComparer.Ordinal)).ToList();
        Assert.True(ml.Count == 0, $"{project} draws on {string.Join(", ", ml.Select(e => $"{e.Name} ({e.Type})"))}");
    }

    [Fact]
    public void The_worker_does_draw_on_the_runtime_so_the_check_can_fail()
    {
        var closure = Closure("Glimpse.Worker");
        Assert.Contains(closure, entry => entry.Name.StartsWith("TorchSharp", StringComparison.Ordinal));
        Assert.Contains(closure, entry => entry.Name == "Glimpse.Processing" && entry.Type == "project");
    }

    private sealed record Entry(string Name, string Type);

    /// <summary>Every package and project in every target of the project's restore graph.</summary>
    private static List<Entry> Closure(string project)
    {
        string assets = Path.Combine(RepositoryPaths.Root, "src", project, "obj", "project.assets.json");
        Assert.True(File.Exists(assets), $"{assets} is missing: restore the solution first");
        var targets = JsonNode.Parse(File.ReadAllText(assets))!["targets"]!.AsObject();
        return [.. targets.SelectMany(target => target.Value!.AsObject())
            .Select(library => new Entry(library.Key.Split('/')[0], (string)library.Value!["type"]!))
            .Distinct()];
    }
}
