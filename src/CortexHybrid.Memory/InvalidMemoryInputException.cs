namespace CortexHybrid.Memory;

/// <summary>
/// An input a <see cref="SemanticMemory"/> rejects: empty or too long text, a bad tag, metadata
/// over a limit, a count or score out of range. Its <see cref="Message"/> is one line saying what
/// is wrong and what is allowed, without the parameter suffix <see cref="ArgumentException"/> adds
/// (the parameter is in <see cref="ArgumentException.ParamName"/>), so a server can pass it on as it is.
/// </summary>
public sealed class InvalidMemoryInputException : ArgumentException
{
    private readonly string _line;

    /// <summary>Creates the exception.</summary>
    /// <param name="message">One line saying what is wrong and what is allowed.</param>
    /// <param name="parameter">The parameter (or tool argument) at fault.</param>
    public InvalidMemoryInputException(string message, string parameter)
        : base(message, parameter)
    {
        _line = message;
    }

    /// <summary>The one-line message.</summary>
    public override string Message => _line;
}
