using Glimpse.Core.Methods;

namespace Glimpse.Explain.Tests;

/// <summary>The explainer factory covers the method table exactly: every name makes the explainer that reports it.</summary>
public sealed class ExplainersTests
{
    public static TheoryData<string> Methods() => [.. ExplainMethods.Names];

    [Theory]
    [MemberData(nameof(Methods))]
    public void Every_method_in_the_table_makes_an_explainer_of_that_name(string method)
    {
        var explainer = Explainers.Create(method);
        Assert.Equal(method, explainer.Method);
        Assert.Equal(ExplainMethods.Get(method).Approximate, explainer.Approximate);
    }

    [Fact]
    public void A_name_not_in_the_table_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => Explainers.Create("GLIMPSE"));
        Assert.Contains("Unknown method 'GLIMPSE'", error.Message);
    }
}
