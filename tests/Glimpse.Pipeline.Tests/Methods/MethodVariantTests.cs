using System.Text.Json;
using Glimpse.Core.Methods;

namespace Glimpse.Pipeline.Tests.Methods;

/// <summary>Method variants (<c>glimpse[token_weights=uniform]</c>): how they are written, read, refused and applied.</summary>
public class MethodVariantTests
{
    [Fact]
    public void A_plain_name_is_the_method_without_options()
    {
        var v = MethodVariant.Parse(" chefer ");
        Assert.Equal("chefer", v.Label);
        Assert.Equal("chefer", v.Method.Name);
        Assert.Empty(v.Options);
    }

    [Fact]
    public void A_variant_keeps_its_options_in_order_and_is_labelled_without_spaces()
    {
        var v = MethodVariant.Parse("glimpse[ depth_prior = off , propagation=plain ]");
        Assert.Equal("glimpse[depth_prior=off,propagation=plain]", v.Label);
        Assert.Equal(["depth_prior", "propagation"], v.Options.Select(o => o.Key));
        var settings = v.Settings(ExplainSettings.Default);
        Assert.False(settings.Glimpse.DepthPrior);
        Assert.Equal(PropagationRule.Plain, settings.Glimpse.Propagation);
    }

    [Fact]
    public void A_variant_applies_its_options_on_top_of_the_runs()
    {
        var run = ExplainSettings.Default with { Glimpse = ExplainSettings.Default.Glimpse with { Lambda = 2, DepthPrior = false } };
        var settings = MethodVariant.Parse("glimpse[lambda=0.25]").Settings(run);
        Assert.Equal(0.25, settings.Glimpse.Lambda);
        Assert.False(settings.Glimpse.DepthPrior);   // the run's, kept
        Assert.Same(run, MethodVariant.Parse("glimpse").Settings(run));
    }

    [Theory]
    [InlineData("saliency[layer=1]", "Unknown method 'saliency'")]
    [InlineData("glimpse[depth_prior]", "is not option=value")]
    [InlineData("glimpse[depth_prior=maybe]", "must be true or false")]
    [InlineData("glimpse[colour=red]", "is not an option")]
    [InlineData("glimpse[layer=1]", "does not apply to method glimpse")]
    [InlineData("rollout[lambda=1]", "does not apply to method rollout")]
    [InlineData("glimpse[lambda=1,lambda=2]", "given twice")]
    [InlineData("glimpse[top_k=2]", "top_k applies only with answer_tokens top-k")]
    [InlineData("glimpse[lambda=1", "is not a method variant")]
    [InlineData("glimpse]", "without its '['")]
    [InlineData("glimpse[lambda=1][x=2]", "is not a method variant")]
    [InlineData("  ", "empty")]
    public void A_bad_variant_is_refused_with_what_is_wrong(string text, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => MethodVariant.Parse(text));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Lists_split_on_the_commas_outside_brackets()
    {
        Assert.Equal(["glimpse", "glimpse[depth_prior=off,row_normalize=off]", "raw-attention[layer=-2]", "chefer"],
            MethodVariant.SplitList("glimpse, glimpse[depth_prior=off,row_normalize=off],raw-attention[layer=-2],,chefer"));
        var variants = MethodVariant.ParseList(["glimpse", "glimpse[top_k=2,answer_tokens=top-k]"]);
        Assert.Equal(AnswerTokenSelection.TopK, variants[1].Settings(ExplainSettings.Default).Glimpse.AnswerTokens);
        Assert.Contains("named twice", Assert.Throws<ArgumentException>(() => MethodVariant.ParseList(["glimpse[lambda=1]", "glimpse[ lambda=1 ]"])).Message);
        Assert.Throws<ArgumentException>(() => MethodVariant.ParseList([]));
    }

    [Fact]
    public void A_variants_manifest_options_are_the_shared_ones_it_takes_with_its_own_on_top()
    {
        var shared = new Dictionary<string, JsonElement>
        {
            ["lambda"] = JsonSerializer.SerializeToElement(2.0),
            ["depth_prior"] = JsonSerializer.SerializeToElement(true),
            ["layer"] = JsonSerializer.SerializeToElement(-2),   // raw attention's, not GLIMPSE's
        };
        var options = MethodVariant.Parse("glimpse[depth_prior=off,top_k=4,answer_tokens=top-k]").ManifestOptions(shared);
        Assert.Equal(["answer_tokens", "depth_prior", "lambda", "top_k"], options.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(JsonValueKind.False, options["depth_prior"].ValueKind);
        Assert.Equal(4, options["top_k"].GetInt32());
        Assert.Equal("top-k", options["answer_tokens"].GetString());
        Assert.Equal(2.0, options["lambda"].GetDouble());

        // What the manifest says is what the variant runs with.
        var problems = new List<string>();
        var fromManifest = ExplainOptions.Parse(ExplainMethods.Get("glimpse"), options, problems);
        Assert.Empty(problems);
        Assert.Equal(MethodVariant.Parse("glimpse[depth_prior=off,top_k=4,answer_tokens=top-k,lambda=2]").Settings(ExplainSettings.Default), fromManifest);

        Assert.Equal(["layer"], MethodVariant.Parse("raw-attention").ManifestOptions(shared).Keys);
    }
}
