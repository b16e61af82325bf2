from httplab.cli import main

main()
