using System.Text.Json;

namespace Glimpse.Core.Validation;

/// <summary>Reading strings from untrusted JSON, where an escaped lone surrogate ("\ud800") is valid JSON but not valid text.</summary>
internal static class JsonText
{
    /// <summary>The string, or null when the element is not a string or its text is not valid Unicode.</summary>
    public static string? TryGetString(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.String) return null;
        try
        {
            return element.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The property's name, or null when it is not valid Unicode.</summary>
    public static string? TryGetName(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
